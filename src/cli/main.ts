#!/usr/bin/env node
/** Entry point of the `avskit` binary. */
import { registerBlsCommands } from './bls.js'
import { registerDevnetCommand } from './devnet.js'
import { registerKeysCommands } from './keys.js'
import { registerOperatorsCommand } from './operators.js'
import { createProgram, runProgram } from './program.js'
import { registerRegisterCommand } from './register.js'
import { registerTaskCommands } from './task.js'

const program = createProgram([
  registerDevnetCommand,
  registerRegisterCommand,
  registerOperatorsCommand,
  registerKeysCommands,
  registerBlsCommands,
  registerTaskCommands,
])
process.exitCode = await runProgram(program, process.argv)
