#!/usr/bin/env node
/** Entry point of the `avskit` binary. */
import { registerAggregatorCommand } from './aggregator.js'
import { registerBlsCommands } from './bls.js'
import { registerClusterCommands } from './cluster.js'
import { registerDevnetCommand } from './devnet.js'
import { registerExporterCommand } from './exporter.js'
import { registerKeysCommands } from './keys.js'
import { registerOperatorCommand } from './operator.js'
import { registerOperatorsCommand } from './operators.js'
import { createProgram, runProgram } from './program.js'
import { registerRegisterCommand } from './register.js'
import { registerSyncCommand } from './sync.js'
import { registerTaskCommands } from './task.js'

const program = createProgram([
  registerDevnetCommand,
  registerRegisterCommand,
  registerOperatorsCommand,
  registerAggregatorCommand,
  registerOperatorCommand,
  registerKeysCommands,
  registerBlsCommands,
  registerTaskCommands,
  registerClusterCommands,
  registerSyncCommand,
  registerExporterCommand,
])
process.exitCode = await runProgram(program, process.argv)
