/**
 * The exporter's API service: one HTTP server with `/health`, `/ready`, `/metrics` (core/httpService) and the
 * WebSocket endpoints `/query` and `/stream`, over the exporter's tables. It only reads: any number of replicas can
 * serve one database, whichever process writes (each has its own stream source, woken by LISTEN/NOTIFY).
 */
import type { Readiness } from '../../core/httpService.js'
import { createHttpService } from '../../core/httpService.js'
import type { Logger } from '../../core/logger.js'
import type { Metrics } from '../../core/metrics.js'
import { createExporterRepository, type Database } from '../../store/index.js'
import { type ExporterApiLimits, resolveExporterApiLimits } from './exporterApiLimits.js'
import { startExporterStreamSource } from './exporterStreamSource.js'
import { attachExporterWebSocketServer } from './exporterWebSocketServer.js'

export type StartExporterApiParameters = {
  database: Database
  /** `host:port` to listen on (`--ws-addr`, e.g. `127.0.0.1:14000`); port 0 picks a free one. */
  address: string
  logger: Logger
  metrics: Metrics
  /** Overrides of `defaultExporterApiLimits`. */
  limits?: Partial<ExporterApiLimits> | undefined
  /** Answers `/ready` (e.g. not ready until the backfill reached the head); ready by default. */
  readiness?: (() => Readiness | Promise<Readiness>) | undefined
}

export type ExporterApi = {
  /** `ws://host:port`: the endpoints are `${wsUrl}/query` and `${wsUrl}/stream`. */
  wsUrl: string
  /** `http://host:port`, for /health, /ready and /metrics. */
  httpUrl: string
  /** Open WebSocket connections. */
  readonly connections: number
  /** Closes every connection, the stream source and the HTTP server. The database stays open. */
  close(): Promise<void>
}

/**
 * @example
 * const api = await startExporterApi({ database, address: '127.0.0.1:14000', logger, metrics, readiness })
 * console.log(`${api.wsUrl}/query`)
 * await api.close()
 */
export async function startExporterApi(parameters: StartExporterApiParameters): Promise<ExporterApi> {
  const { database, address, logger, metrics } = parameters
  const limits = resolveExporterApiLimits(parameters.limits)
  const http = createHttpService({ address, logger, metrics, readiness: parameters.readiness })
  const source = await startExporterStreamSource({
    database,
    logger: logger.child({ module: 'exporter-stream' }),
    metrics,
    pageSize: limits.streamPageSize,
  })
  const sockets = attachExporterWebSocketServer({
    server: http.app.server,
    repository: createExporterRepository(database.db),
    source,
    limits,
    logger,
    metrics,
  })
  let httpUrl: string
  try {
    httpUrl = await http.listen()
  } catch (err) {
    await sockets.close()
    await source.close()
    throw err
  }
  logger.info({ url: httpUrl.replace(/^http/, 'ws') }, 'exporter API listening on /query and /stream')
  let closing: Promise<void> | undefined
  return {
    wsUrl: httpUrl.replace(/^http/, 'ws'),
    httpUrl,
    get connections() {
      return sockets.connections
    },
    close() {
      closing ??= (async () => {
        await sockets.close()
        await source.close()
        await http.close()
      })()
      return closing
    },
  }
}
