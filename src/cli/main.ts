#!/usr/bin/env node
/** Entry point of the `avskit` binary. */
import { registerBlsCommands } from './bls.js'
import { createProgram, runProgram } from './program.js'

const program = createProgram([registerBlsCommands])
process.exitCode = await runProgram(program, process.argv)
