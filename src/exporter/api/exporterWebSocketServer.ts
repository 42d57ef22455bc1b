/**
 * The exporter's WebSocket endpoints on an HTTP server (the service's Fastify server, beside /health, /ready and
 * /metrics): `/query` answers requests, `/stream` pushes messages. A `ws` server in `noServer` mode takes the
 * HTTP upgrades itself, so that refusals (unknown path, too many connections) are plain HTTP answers before any
 * WebSocket exists, and each stream connection keeps its socket for direct frame writes. Routing through
 * `@fastify/websocket` would cost the same per message (the same `ws` sockets) and only add a route lookup per
 * handshake.
 *
 * Every connection: frames up to `maxFrameBytes` (larger: closed with 1009 by `ws`), requests rate-limited, pinged
 * every `heartbeatIntervalMs` and terminated when the previous ping went unanswered. Requests on one `/query`
 * connection are answered in the order they came.
 */
import type { IncomingMessage, Server } from 'node:http'
import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { type RawData, WebSocket, WebSocketServer } from 'ws'
import type { Logger } from '../../core/logger.js'
import type { Metrics } from '../../core/metrics.js'
import type { ExporterRepository } from '../../store/index.js'
import { answerQuery, errorMessage } from './answerQuery.js'
import type { ExporterApiLimits } from './exporterApiLimits.js'
import type { ExporterStreamSource } from './exporterStreamSource.js'
import {
  ClientMessageError,
  isQueryType,
  messageType,
  parseFrame,
  parseQueryRequest,
  parseSubscribeRequest,
  unknownType,
} from './parseClientMessage.js'
import { createRequestRateLimiter } from './requestRateLimiter.js'
import { createStreamConnection } from './streamConnection.js'

export type ExporterWebSocketServer = {
  /** Open connections. */
  readonly connections: number
  /** Stops taking upgrades and closes every connection (1001), terminating those that do not finish in time. */
  close(): Promise<void>
}

export type AttachExporterWebSocketServerParameters = {
  server: Server
  repository: ExporterRepository
  source: ExporterStreamSource
  limits: ExporterApiLimits
  logger: Logger
  metrics?: Metrics | undefined
}

type Connection = { ws: WebSocket; alive: boolean }

const queryTypeNames = '"operator", "validator" or "decided"'

function rawText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8')
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8')
  return Buffer.from(data).toString('utf8')
}

/** Answers an upgrade request with a plain HTTP error and closes the socket. */
function refuseUpgrade(socket: Duplex, status: number, reason: string, message: string): void {
  const body = JSON.stringify({ error: message })
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  )
}

export function attachExporterWebSocketServer(
  parameters: AttachExporterWebSocketServerParameters,
): ExporterWebSocketServer {
  const { server, repository, source, limits, metrics } = parameters
  const logger = parameters.logger.child({ module: 'exporter-api' })
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: limits.maxFrameBytes,
    perMessageDeflate: false,
    clientTracking: false,
  })
  const connections = new Set<Connection>()

  const accept = (ws: WebSocket, socket: Duplex, path: '/query' | '/stream') => {
    const connection: Connection = { ws, alive: true }
    connections.add(connection)
    const limiter = createRequestRateLimiter({
      requestsPerSecond: limits.requestsPerSecond,
      requestBurst: limits.requestBurst,
      maxRefused: limits.maxRefusedRequests,
    })
    const send = (text: string) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(text)
    }
    const refuse = (lines: readonly string[]) => send(errorMessage(lines))
    const closeSoon = (code: number, reason: string) => {
      ws.close(code, reason)
      setTimeout(() => ws.terminate(), limits.closeTimeoutMs).unref()
    }
    /** Takes a rate token; answers or closes when there is none. */
    const admit = (): boolean => {
      const verdict = limiter.take()
      if (verdict === 'accept') return true
      if (verdict === 'close') {
        logger.info({ path }, 'closing a connection that kept exceeding the request rate')
        closeSoon(1008, 'request rate limit exceeded')
      } else {
        refuse([
          `too many requests - at most ${limits.requestsPerSecond} per second (bursts of ${limits.requestBurst}); this request was dropped`,
        ])
      }
      return false
    }
    ws.on('pong', () => {
      connection.alive = true
    })
    ws.on('error', (err) => logger.debug({ path, error: err.message }, 'WebSocket connection error'))

    if (path === '/query') {
      let answered: Promise<void> = Promise.resolve()
      ws.on('message', (data) => {
        if (!admit()) return
        const text = rawText(data)
        answered = answered
          .then(() => handleQuery(text, send))
          .catch((err) => logger.warn({ error: err instanceof Error ? err.message : String(err) }, 'query failed'))
      })
      ws.on('close', () => connections.delete(connection))
      return
    }

    const stream = createStreamConnection({
      ws,
      socket: socket as Socket,
      source,
      repository,
      limits,
      metrics,
      onRefused: refuse,
      onError(err) {
        logger.warn({ error: err instanceof Error ? err.message : String(err) }, 'stream history replay failed')
        refuse(['internal error - could not read the stored messages; subscribe again'])
        closeSoon(1011, 'history replay failed')
      },
    })
    source.add(stream)
    metrics?.exporter.streamClients.inc()
    ws.on('message', (data) => {
      if (!admit()) return
      const message = parseFrame(rawText(data))
      if (message instanceof ClientMessageError) return refuse(message.lines)
      const type = messageType(message, '"subscribe"')
      if (type instanceof ClientMessageError) return refuse(type.lines)
      if (type !== 'subscribe') {
        return refuse(
          isQueryType(type)
            ? [
                `bad request - /stream takes {"type": "subscribe", "filter"?: {…}, "cursor"?: <seq>}; send '${type}' queries to /query`,
              ]
            : unknownType(type).lines,
        )
      }
      const request = parseSubscribeRequest(message)
      if (request instanceof ClientMessageError) return refuse(request.lines)
      stream.subscribe(request)
    })
    ws.on('close', () => {
      connections.delete(connection)
      source.delete(stream)
      metrics?.exporter.streamClients.dec()
    })
  }

  const handleQuery = async (text: string, send: (text: string) => void): Promise<void> => {
    const count = (type: string, outcome: 'ok' | 'error') => metrics?.exporter.queriesTotal.inc({ type, outcome })
    const message = parseFrame(text)
    if (message instanceof ClientMessageError) {
      count('unknown', 'error')
      return send(errorMessage(message.lines))
    }
    const type = messageType(message, queryTypeNames)
    if (type instanceof ClientMessageError) {
      count('unknown', 'error')
      return send(errorMessage(type.lines))
    }
    if (!isQueryType(type)) {
      count('unknown', 'error')
      return send(errorMessage(unknownType(type).lines))
    }
    const query = parseQueryRequest(message, type, limits.maxQueryRange)
    if (query instanceof ClientMessageError) {
      count(type, 'error')
      return send(errorMessage(query.lines))
    }
    try {
      send(await answerQuery(repository, query))
      count(type, 'ok')
    } catch (err) {
      logger.warn({ type, error: err instanceof Error ? err.message : String(err) }, 'query failed')
      count(type, 'error')
      send(errorMessage(['internal error - could not read the stored data; try again']))
    }
  }

  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => {})
    const path = (request.url ?? '/').split('?')[0]
    if (path !== '/query' && path !== '/stream') {
      return refuseUpgrade(socket, 404, 'Not Found', `no WebSocket endpoint at ${path}: use /query or /stream`)
    }
    if (connections.size >= limits.maxConnections) {
      return refuseUpgrade(
        socket,
        503,
        'Service Unavailable',
        `too many connections (${limits.maxConnections}); try again later`,
      )
    }
    wss.handleUpgrade(request, socket, head, (ws) => accept(ws, socket, path))
  }
  server.on('upgrade', onUpgrade)

  const heartbeat = setInterval(() => {
    for (const connection of connections) {
      if (!connection.alive) {
        connection.ws.terminate()
        continue
      }
      connection.alive = false
      connection.ws.ping()
    }
  }, limits.heartbeatIntervalMs)
  heartbeat.unref()

  return {
    get connections() {
      return connections.size
    },
    async close() {
      clearInterval(heartbeat)
      server.off('upgrade', onUpgrade)
      const closed = [...connections].map(
        ({ ws }) =>
          new Promise<void>((resolve) => {
            if (ws.readyState === WebSocket.CLOSED) return resolve()
            ws.once('close', () => resolve())
            ws.close(1001, 'server shutting down')
          }),
      )
      const deadline = new Promise<void>((resolve) => setTimeout(resolve, limits.closeTimeoutMs).unref())
      await Promise.race([Promise.all(closed), deadline])
      for (const { ws } of connections) ws.terminate()
      await new Promise<void>((resolve) => wss.close(() => resolve()))
    },
  }
}
