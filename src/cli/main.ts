#!/usr/bin/env node
/** Entry point of the `avskit` binary. */
import { createProgram, runProgram } from './program.js'

const program = createProgram([])
process.exitCode = await runProgram(program, process.argv)
