#!/usr/bin/env node
/** Entry point of the `avskit` binary. */
import { registerBlsCommands } from './bls.js'
import { registerDevnetCommand } from './devnet.js'
import { registerOperatorsCommand } from './operators.js'
import { createProgram, runProgram } from './program.js'

const program = createProgram([registerDevnetCommand, registerOperatorsCommand, registerBlsCommands])
process.exitCode = await runProgram(program, process.argv)
