/**
 * `avskit exporter`: indexes a NetworkRegistry's operators and validators and a TaskManager's certified task
 * responses, and serves them over WebSocket `/query` and `/stream` (the SSV exporter's API). Replicas on one
 * PostgreSQL share the work: one indexes, all serve.
 */
import type { Command } from 'commander'
import { z } from 'zod'
import { createChainClient } from '../chain/clients.js'
import { defineOptions } from '../core/config.js'
import { createShutdown } from '../core/lifecycle.js'
import { createMetrics } from '../core/metrics.js'
import { assertSomethingToIndex, startExporter } from '../exporter/index.js'
import { openDatabase } from '../store/index.js'
import { addCommand } from './command.js'
import { addressSchema, ethHttpUrlOption, requiredOption, urlSchema } from './commonOptions.js'
import { databaseOptions } from './databaseOptions.js'
import { durationSchema, hostPortSchema } from './poolOptions.js'

const options = defineOptions({
  ...requiredOption(ethHttpUrlOption),
  ethWsUrl: {
    flag: 'eth-ws-url',
    argument: '<url>',
    description: 'JSON-RPC over WebSocket: new heads arrive at once instead of by polling',
    schema: urlSchema,
  },
  registry: {
    flag: 'registry-addr',
    argument: '<address>',
    description: 'NetworkRegistry whose OperatorAdded/ValidatorAdded (and removals) are indexed',
    schema: addressSchema,
  },
  taskManager: {
    flag: 'task-manager-addr',
    argument: '<address>',
    description: 'TaskManager whose certified responses (TaskResponded) are indexed as decided messages',
    schema: addressSchema,
  },
  fromBlock: {
    flag: 'from-block',
    argument: '<n>',
    description: 'first block to index (the contracts’ deployment block)',
    schema: z.coerce.bigint({ message: 'expected a block number' }).nonnegative({ message: 'expected a block number' }),
    default: 0n,
    defaultText: '0',
  },
  confirmations: {
    flag: 'confirmations',
    argument: '<n>',
    description: 'blocks to stay behind the head; reorganisations above it are rolled back and streamed as retractions',
    schema: z.coerce.number().int().min(0).max(1000),
    default: 0,
  },
  pollingInterval: {
    flag: 'polling-interval',
    argument: '<duration>',
    description: 'how often to ask the node for new blocks',
    schema: durationSchema,
    default: 1_000,
    defaultText: '1s',
  },
  wsAddr: {
    flag: 'ws-addr',
    argument: '<host:port>',
    description: 'WebSocket /query and /stream, and HTTP /health, /ready, /metrics',
    schema: hostPortSchema,
    default: '127.0.0.1:14000',
  },
  ...databaseOptions,
})

export function registerExporterCommand(program: Command): void {
  addCommand(program, {
    name: 'exporter',
    description: 'index registry events and certified tasks; serve them over WebSocket /query and /stream',
    options,
    async run({ options, logger }) {
      assertSomethingToIndex(options)
      const shutdown = createShutdown({ logger, handleSignals: true })
      const metrics = createMetrics()
      const client = await createChainClient({ url: options.ethHttpUrl })
      const database = await openDatabase({ url: options.databaseUrl, dataDir: options.dataDir, logger })
      shutdown.add('database', () => database.close())
      try {
        const exporter = await startExporter({
          database,
          client,
          rpcUrl: options.ethHttpUrl,
          wsRpcUrl: options.ethWsUrl,
          registry: options.registry,
          taskManager: options.taskManager,
          fromBlock: options.fromBlock,
          confirmations: options.confirmations,
          pollingIntervalMs: options.pollingInterval,
          address: options.wsAddr,
          logger,
          metrics,
        })
        shutdown.add('exporter', () => exporter.stop())
        process.stdout.write(
          `${JSON.stringify({ query: `${exporter.wsUrl}/query`, stream: `${exporter.wsUrl}/stream`, http: exporter.httpUrl })}\n`,
        )
      } catch (error) {
        await shutdown.shutdown('start failed')
        throw error
      }
      await shutdown.done
      return 0
    },
  })
}
