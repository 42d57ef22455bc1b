/**
 * The HTTP side every long-running service has: Fastify with `/health` (the process is alive), `/ready` (synced
 * and serving: 200 or 503 with the reason) and `/metrics` (Prometheus text from the service's own registry).
 * A service adds its routes to `app` before `listen()`.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify'
import { BaseError } from './errors.js'
import type { Logger } from './logger.js'
import type { Metrics } from './metrics.js'

export type Readiness = { ready: true } | { ready: false; reason: string }

export type CreateHttpServiceParameters = {
  /** `host:port`; port 0 picks a free one. */
  address: string
  logger: Logger
  metrics: Metrics
  /** Answers `/ready`; ready by default. */
  readiness?: (() => Readiness | Promise<Readiness>) | undefined
  /** Largest accepted request body in bytes (default 1 MiB). */
  bodyLimit?: number | undefined
}

export type HttpService = {
  app: FastifyInstance
  /** Starts listening and resolves to the base URL, e.g. `http://127.0.0.1:8080`. */
  listen(): Promise<string>
  close(): Promise<void>
}

export function parseHostPort(address: string, flag: string): { host: string; port: number } {
  const match = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(address)
  const port = Number(match?.[2])
  if (!match || port > 65_535) {
    throw new BaseError(`Invalid ${flag}: expected host:port, got ${JSON.stringify(address)}.`, { exitCode: 2 })
  }
  return { host: (match[1] as string).replace(/^\[|\]$/g, ''), port }
}

export function createHttpService(parameters: CreateHttpServiceParameters): HttpService {
  const { host, port } = parseHostPort(parameters.address, 'HTTP address')
  const app = Fastify({
    loggerInstance: parameters.logger.child({ module: 'http' }) as FastifyBaseLogger,
    // Request lines would drown the service's own logs: /metrics alone is scraped every few seconds.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: parameters.bodyLimit ?? 1024 * 1024,
  })
  app.get('/health', async () => ({ status: 'ok' }))
  app.get('/ready', async (_request, reply) => {
    const readiness = (await parameters.readiness?.()) ?? { ready: true }
    return readiness.ready
      ? { status: 'ready' }
      : reply.code(503).send({ status: 'not ready', reason: readiness.reason })
  })
  app.get('/metrics', async (_request, reply) => {
    const { registry } = parameters.metrics
    return reply.type(registry.contentType).send(await registry.metrics())
  })
  return {
    app,
    async listen() {
      await app.listen({ host, port })
      const bound = app.server.address()
      const actualPort = typeof bound === 'object' && bound ? bound.port : port
      return `http://${host.includes(':') ? `[${host}]` : host}:${actualPort}`
    },
    async close() {
      await app.close()
    },
  }
}
