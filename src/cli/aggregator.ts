/**
 * `avskit aggregator`: the AVS aggregator process. It serves the operator pool (gRPC check-ins on --grpc-addr,
 * `/operator` and `/telemetry` on --http-addr) and is where task aggregation joins it: one more starter in the
 * `components` list below.
 */
import type { Command } from 'commander'
import { z } from 'zod'
import { startAggregator } from '../aggregator/index.js'
import { createChainClient } from '../chain/clients.js'
import { defineOptions } from '../core/config.js'
import { createShutdown } from '../core/lifecycle.js'
import { createMetrics } from '../core/metrics.js'
import { startPoolService } from '../pool/index.js'
import { openDatabase } from '../store/index.js'
import { addCommand } from './command.js'
import { addressSchema, ethHttpUrlOption, requiredOption } from './commonOptions.js'
import { databaseOptions } from './databaseOptions.js'
import { aggregatorPoolOptions, alertOptionsFrom, assertLivenessRules, hostPortSchema } from './poolOptions.js'
import { taskAggregationComponent, taskAggregationOptions } from './taskAggregationOptions.js'

const options = defineOptions({
  grpcAddr: {
    flag: 'grpc-addr',
    argument: '<host:port>',
    description: 'where operators check in over gRPC',
    schema: hostPortSchema,
    default: '127.0.0.1:2206',
  },
  httpAddr: {
    flag: 'http-addr',
    argument: '<host:port>',
    description: 'HTTP: /operator, /telemetry, /metrics, /health, /ready',
    schema: hostPortSchema,
    default: '127.0.0.1:8080',
  },
  ...requiredOption(ethHttpUrlOption),
  registryCoordinator: {
    flag: 'registry-coordinator-addr',
    argument: '<address>',
    description: 'RegistryCoordinator whose registered operators may check in',
    schema: addressSchema,
    required: true,
  },
  ...databaseOptions,
  grpcMaxMessageBytes: {
    flag: 'grpc-max-message-bytes',
    argument: '<bytes>',
    description: 'largest gRPC request accepted',
    schema: z.coerce
      .number()
      .int()
      .min(1024)
      .max(64 * 1024 * 1024),
    default: 1024 * 1024,
  },
  ...aggregatorPoolOptions,
  ...taskAggregationOptions,
})

export function registerAggregatorCommand(program: Command): void {
  addCommand(program, {
    name: 'aggregator',
    description:
      'run the aggregator: operator check-ins (gRPC), /operator, /telemetry dashboard, alerts; with --task-manager-addr also task aggregation',
    options,
    async run({ options, logger }) {
      assertLivenessRules(options.pingInterval, options.offlineAfter)
      const alerts = alertOptionsFrom(options)
      const taskAggregation = await taskAggregationComponent(options)
      const shutdown = createShutdown({ logger, handleSignals: true })
      const metrics = createMetrics()
      const client = await createChainClient({ url: options.ethHttpUrl })
      const database = await openDatabase({ url: options.databaseUrl, dataDir: options.dataDir, logger })
      shutdown.add('database', () => database.close())
      try {
        const aggregator = await startAggregator({
          grpcAddress: options.grpcAddr,
          httpAddress: options.httpAddr,
          database,
          client,
          logger,
          metrics,
          maxReceiveMessageLength: options.grpcMaxMessageBytes,
          components: [
            (context) =>
              startPoolService({
                ...context,
                registryCoordinator: options.registryCoordinator,
                pingIntervalMs: options.pingInterval,
                offlineAfterMs: options.offlineAfter,
                authWindowSeconds: Math.floor(options.authWindow / 1000),
                allowUnauthenticated: options.allowUnauthenticated,
                sites: { explorer: options.explorerUrl, eigenlayer: options.eigenlayerAppUrl },
                alerts,
              }),
            ...(taskAggregation ? [taskAggregation] : []),
          ],
        })
        shutdown.add('aggregator', () => aggregator.stop())
        process.stdout.write(
          `${JSON.stringify({ grpc: aggregator.grpcAddress, http: aggregator.httpUrl, dashboard: `${aggregator.httpUrl}/telemetry` })}\n`,
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
