/**
 * The aggregator process: one gRPC server and one HTTP server (with /health, /ready, /metrics) shared by the
 * services it hosts — the operator pool today, task aggregation beside it. Each service is a starter that receives
 * the shared context, adds its gRPC services and HTTP routes, starts its background work and returns a component
 * with `stop` (and optionally `readiness`). Adding a service to the aggregator is one more starter in the list:
 *
 *     components: [
 *       (context) => startPoolService({ ...context, ...poolOptions }),
 *       (context) => startTaskAggregation({ ...context, ...aggregationOptions }),
 *     ]
 *
 * Start order: servers created, starters run in order, then both servers listen. Stop order: the gRPC server stops
 * taking calls and lets in-flight ones finish, components stop in reverse order (writing what they accepted), the
 * HTTP server closes last so /health answers while the rest stops. The database belongs to the caller.
 */
import type { FastifyInstance } from 'fastify'
import type { ChainClient } from '../chain/clients.js'
import { createGrpcServer, type GrpcServer } from '../core/grpcServer.js'
import { createHttpService, type Readiness } from '../core/httpService.js'
import type { Logger } from '../core/logger.js'
import type { Metrics } from '../core/metrics.js'
import type { Database } from '../store/index.js'

/** What every aggregator service receives. */
export type AggregatorContext = {
  database: Database
  client: ChainClient
  grpc: GrpcServer
  http: FastifyInstance
  logger: Logger
  metrics: Metrics
}

export type AggregatorComponent = {
  stop(): Promise<void>
  readiness?: (() => Readiness) | undefined
}

export type AggregatorComponentStarter = (context: AggregatorContext) => Promise<AggregatorComponent>

export type StartAggregatorParameters = {
  /** gRPC `host:port` (port 0 picks one). */
  grpcAddress: string
  /** HTTP `host:port` (port 0 picks one). */
  httpAddress: string
  database: Database
  client: ChainClient
  logger: Logger
  metrics: Metrics
  /** Largest gRPC request accepted, in bytes. Default 1 MiB. */
  maxReceiveMessageLength?: number | undefined
  /** The services, started in this order. */
  components: readonly AggregatorComponentStarter[]
}

export type Aggregator = {
  /** Bound gRPC `host:port`. */
  grpcAddress: string
  /** HTTP base URL, e.g. `http://127.0.0.1:8080`. */
  httpUrl: string
  components: readonly AggregatorComponent[]
  stop(): Promise<void>
}

/**
 * @example
 * const aggregator = await startAggregator({
 *   grpcAddress: '127.0.0.1:2206', httpAddress: '127.0.0.1:8080', database, client, logger, metrics,
 *   components: [(context) => startPoolService({ ...context, ...poolOptions })],
 * })
 * shutdown.add('aggregator', () => aggregator.stop())
 */
export async function startAggregator(parameters: StartAggregatorParameters): Promise<Aggregator> {
  const { logger, metrics } = parameters
  const components: AggregatorComponent[] = []
  const grpc = createGrpcServer({
    address: parameters.grpcAddress,
    logger,
    maxReceiveMessageLength: parameters.maxReceiveMessageLength,
  })
  const http = createHttpService({
    address: parameters.httpAddress,
    logger,
    metrics,
    readiness: () => {
      for (const component of components) {
        const readiness = component.readiness?.()
        if (readiness && !readiness.ready) return readiness
      }
      return { ready: true }
    },
  })
  const context: AggregatorContext = {
    database: parameters.database,
    client: parameters.client,
    grpc,
    http: http.app,
    logger,
    metrics,
  }

  const stopComponents = async () => {
    for (const component of [...components].reverse()) {
      try {
        await component.stop()
      } catch (error) {
        logger.error({ err: error }, 'an aggregator service failed to stop cleanly')
      }
    }
  }

  let grpcAddress: string
  let httpUrl: string
  try {
    for (const start of parameters.components) components.push(await start(context))
    grpcAddress = await grpc.listen()
    httpUrl = await http.listen()
  } catch (error) {
    await grpc.close()
    await stopComponents()
    await http.close()
    throw error
  }
  metrics.service.up.set({ service: 'aggregator' }, 1)
  logger.info({ grpc: grpcAddress, http: httpUrl }, 'aggregator started')

  let stopping: Promise<void> | undefined
  return {
    grpcAddress,
    httpUrl,
    components,
    stop() {
      stopping ??= (async () => {
        await grpc.close()
        await stopComponents()
        await http.close()
        metrics.service.up.set({ service: 'aggregator' }, 0)
        logger.info('aggregator stopped')
      })()
      return stopping
    },
  }
}
