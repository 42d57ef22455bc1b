/**
 * The pool's HTTP routes, added to the process's HTTP service (which already serves /health, /ready, /metrics):
 *
 * - `GET /operator`: `{"data": [OperatorView, …]}` in address order (`[]` when the pool is empty), from the pool's
 *   in-memory copy (`poolMonitor.ts`): this process's check-ins at once, other replicas' within a tick. The body is
 *   reused while no row changed within the same second (`lastSeen` has one-second resolution).
 * - `GET /telemetry`: the HTML dashboard (`telemetryPage.ts`).
 * - `GET /telemetry/events`: Server-Sent Events for the dashboard: one `snapshot` message with every operator, then
 *   an `update` message whenever operators change (a check-in, a liveness change, a removal), and a comment line
 *   every 15 s to keep proxies from closing the stream. At most `maxDashboardClients` streams; a client that stops
 *   reading is dropped once 1 MiB is waiting for it.
 */
import type { FastifyInstance } from 'fastify'
import type { Logger } from '../core/logger.js'
import type { Metrics } from '../core/metrics.js'
import type { ExplorerSites } from './explorerLinks.js'
import type { LivenessRules } from './liveness.js'
import { createOperatorListSerializer } from './operatorListJson.js'
import { type OperatorView, toOperatorView } from './operatorView.js'
import type { PoolMonitor } from './poolMonitor.js'
import { renderTelemetryPage } from './telemetryPage.js'

export type RegisterPoolRoutesParameters = {
  app: FastifyInstance
  monitor: PoolMonitor
  rules: LivenessRules
  sites: ExplorerSites
  chainId: number
  logger: Logger
  metrics?: Metrics | undefined
  now?: (() => number) | undefined
  /** Default 100. */
  maxDashboardClients?: number | undefined
}

type DashboardMessage = {
  type: 'snapshot' | 'update'
  serverTime: number
  operators: OperatorView[]
  removed?: string[]
}

const maxBufferedBytes = 1024 * 1024

export function registerPoolRoutes(parameters: RegisterPoolRoutesParameters): void {
  const { app, monitor, rules, sites, metrics } = parameters
  const logger = parameters.logger.child({ module: 'dashboard' })
  const now = parameters.now ?? Date.now
  const maxClients = parameters.maxDashboardClients ?? 100
  const clients = new Set<() => void>()

  const serialize = createOperatorListSerializer(rules, sites)
  const views = () => {
    const at = now()
    return monitor.list().map((row) => toOperatorView(row, at, rules, sites))
  }

  let body: { second: number; version: number; bytes: Buffer } | undefined
  app.get('/operator', async (_request, reply) => {
    const at = now()
    const second = Math.floor(at / 1000)
    if (!body || body.second !== second || body.version !== monitor.version) {
      const version = monitor.version
      body = { second, version, bytes: serialize(monitor.list(), at) }
    }
    return reply.type('application/json; charset=utf-8').header('cache-control', 'no-store').send(body.bytes)
  })

  app.get('/telemetry', async (_request, reply) => {
    const page = renderTelemetryPage({
      operators: views(),
      chainId: parameters.chainId,
      pingIntervalMs: rules.pingIntervalMs,
      offlineAfterMs: rules.offlineAfterMs,
    })
    return reply
      .type('text/html; charset=utf-8')
      .header('content-security-policy', page.contentSecurityPolicy)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('cache-control', 'no-store')
      .send(page.html)
  })

  app.get('/telemetry/events', (request, reply) => {
    if (clients.size >= maxClients) {
      return reply.code(503).send({ error: `at most ${maxClients} dashboards can follow live updates at once` })
    }
    reply.hijack()
    const stream = reply.raw
    stream.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    })
    const send = (message: DashboardMessage) => {
      if (stream.writableLength > maxBufferedBytes) {
        logger.debug({ peer: request.ip }, 'dashboard client too slow: dropped')
        close()
        return
      }
      stream.write(`data: ${JSON.stringify(message)}\n\n`)
    }
    send({ type: 'snapshot', serverTime: now(), operators: views() })
    const unsubscribe = monitor.subscribe((change) =>
      send({
        type: 'update',
        serverTime: change.now,
        operators: change.changed.map(({ row }) => toOperatorView(row, change.now, rules, sites)),
        removed: change.removed,
      }),
    )
    const heartbeat = setInterval(() => stream.write(': keepalive\n\n'), 15_000)
    let closed = false
    const close = () => {
      if (closed) return
      closed = true
      unsubscribe()
      clearInterval(heartbeat)
      clients.delete(close)
      metrics?.pool.dashboardClients.set(clients.size)
      stream.end()
    }
    clients.add(close)
    metrics?.pool.dashboardClients.set(clients.size)
    request.raw.on('close', close)
  })

  // Open event streams would keep the HTTP server from closing.
  app.addHook('preClose', async () => {
    for (const close of [...clients]) close()
  })
}
