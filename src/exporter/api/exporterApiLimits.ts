/**
 * What one exporter API process lets its WebSocket clients do. Each limit answers a way a client could hurt the
 * others: too many sockets, huge frames, a flood of queries, unbounded result sets, or a `/stream` reader too slow
 * to keep up (whose backlog would otherwise grow in this process's memory until it fails).
 */
import { InvalidInputError } from '../../core/errors.js'

export type ExporterApiLimits = {
  /** Open WebSocket connections (`/query` and `/stream` together); further upgrades get HTTP 503. */
  maxConnections: number
  /** Largest frame a client may send (ws `maxPayload`); a larger one closes the connection with 1009. */
  maxFrameBytes: number
  /** Most items one `/query` may ask for (`to - from + 1`). */
  maxQueryRange: number
  /** Requests (frames) per second a connection may send on average… */
  requestsPerSecond: number
  /** …and in a burst. Over it, a request is answered with an error and dropped. */
  requestBurst: number
  /** Requests refused for rate within one 10 s window that close the connection (1008). */
  maxRefusedRequests: number
  /**
   * Bytes queued for one `/stream` client beyond which it is told `lagged` and disconnected (4008) rather than
   * buffered without bound. History replay waits for the client instead.
   */
  maxSendBufferBytes: number
  /** Ping interval; a peer that has not answered the previous ping is terminated. */
  heartbeatIntervalMs: number
  /** Time a closing connection gets to finish the close handshake before its socket is destroyed. */
  closeTimeoutMs: number
  /** Stream outbox rows read per statement (live reads and history replay). */
  streamPageSize: number
}

export const defaultExporterApiLimits: ExporterApiLimits = {
  maxConnections: 10_000,
  maxFrameBytes: 64 * 1024,
  maxQueryRange: 1_000,
  requestsPerSecond: 20,
  requestBurst: 40,
  maxRefusedRequests: 100,
  maxSendBufferBytes: 4 * 1024 * 1024,
  heartbeatIntervalMs: 30_000,
  closeTimeoutMs: 5_000,
  streamPageSize: 500,
}

/** The defaults with `overrides` applied; every value must be a positive integer. */
export function resolveExporterApiLimits(overrides: Partial<ExporterApiLimits> = {}): ExporterApiLimits {
  const limits = { ...defaultExporterApiLimits }
  for (const [name, value] of Object.entries(overrides) as [keyof ExporterApiLimits, number | undefined][]) {
    if (value === undefined) continue
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new InvalidInputError(`invalid exporter API limit ${name}: expected a positive integer, got ${value}`)
    }
    limits[name] = value
  }
  return limits
}
