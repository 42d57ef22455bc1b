/**
 * One `/stream` client. It starts live: every message the stream source reads from now on, framed once and
 * written straight to its socket. A `subscribe` with a cursor switches it to catch-up: it reads the outbox after
 * the cursor (with its filter pushed into the query), page by page, waiting for the socket to drain between
 * pages, until it has covered everything the source has handed out; then it is live again. Live batches that
 * arrive meanwhile are ignored, because the history read covers them: the client's `position` (the last seq it was
 * sent or that its filter skipped) only moves forward, so nothing is sent twice and nothing is skipped.
 *
 * A live client whose unsent bytes exceed the limit is told `{"type": "lagged", "cursor": <position>}` and closed
 * (4008): it resumes with `subscribe` from that cursor and loses nothing. The alternative, buffering without
 * bound, lets one slow reader exhaust the memory every other client depends on.
 *
 * Frames are written to the socket directly (the server's frames are unmasked and uncompressed, and `ws` writes
 * its own frames, pings and close, to the same socket synchronously and whole), so a batch costs one `write` per
 * client whatever its size.
 */
import { once } from 'node:events'
import type { Socket } from 'node:net'
import { WebSocket } from 'ws'
import type { Metrics } from '../../core/metrics.js'
import type { ExporterMessageType, ExporterRepository } from '../../store/index.js'
import type { ExporterApiLimits } from './exporterApiLimits.js'
import { type ExporterStreamSource, frameOf, type StreamBatch, type StreamMessage } from './exporterStreamSource.js'
import type { SubscribeRequest } from './parseClientMessage.js'

export type StreamConnection = {
  deliver(batch: StreamBatch): void
  subscribe(request: SubscribeRequest): void
  /** The last seq sent or skipped. */
  readonly position: bigint
}

type Filter = { types: Set<ExporterMessageType> | undefined; key: string | undefined }

export function createStreamConnection(parameters: {
  ws: WebSocket
  socket: Socket
  source: ExporterStreamSource
  repository: ExporterRepository
  limits: ExporterApiLimits
  metrics?: Metrics | undefined
  /** Called with an error that ended a history replay (the connection is closed). */
  onError: (err: unknown) => void
  /** Called with the lines of an error message to send the client. */
  onRefused: (lines: string[]) => void
}): StreamConnection {
  const { ws, socket, source, repository, limits, metrics } = parameters
  let position = source.position
  let live = true
  let filter: Filter = { types: undefined, key: undefined }
  /** Bumped by every subscribe: a replay that sees another value stops. */
  let generation = 0
  let closing = false

  const open = () => !closing && ws.readyState === WebSocket.OPEN
  const matches = (message: StreamMessage) =>
    message.type === 'retraction' ||
    ((filter.types === undefined || filter.types.has(message.type)) &&
      (filter.key === undefined || message.key === filter.key))

  const lagged = () => {
    closing = true
    metrics?.exporter.laggedDisconnectsTotal.inc()
    ws.send(JSON.stringify({ type: 'lagged', cursor: Number(position) }))
    ws.close(4008, 'lagged')
    setTimeout(() => ws.terminate(), limits.closeTimeoutMs).unref()
  }

  const replay = async (since: number) => {
    let first = true
    while (since === generation && open()) {
      // The head first: every row it covers that matches the filter is in a short page read after it.
      const head = await repository.streamHead()
      if (first && position > head) {
        if (since !== generation || !open()) return
        parameters.onRefused([
          `bad request - cursor ${position} is ahead of the stream (its last message is ${head}); streaming live from here`,
        ])
        position = source.position
        live = true
        return
      }
      first = false
      const rows = await repository.readStream({
        after: position,
        limit: limits.streamPageSize,
        types: filter.types === undefined ? undefined : [...filter.types],
        key: filter.key,
      })
      if (since !== generation || !open()) return
      if (rows.length > 0) {
        socket.cork()
        for (const row of rows) socket.write(frameOf(row))
        socket.uncork()
        position = (rows[rows.length - 1] as (typeof rows)[number]).seq
      }
      if (rows.length < limits.streamPageSize && head > position) position = head
      if (socket.writableLength > limits.maxSendBufferBytes / 2) {
        await Promise.race([once(socket, 'drain'), once(socket, 'close')])
        continue
      }
      if (rows.length < limits.streamPageSize && position >= source.position) {
        live = true
        return
      }
    }
  }

  return {
    get position() {
      return position
    },

    deliver(batch) {
      if (!live || !open()) return
      const last = (batch.messages[batch.messages.length - 1] as StreamMessage).seq
      if (last <= position) return
      if (socket.writableLength > limits.maxSendBufferBytes) return lagged()
      const all = filter.types === undefined && filter.key === undefined
      if (all && (batch.messages[0] as StreamMessage).seq > position) {
        socket.write(batch.frames)
      } else {
        socket.cork()
        for (const message of batch.messages) {
          if (message.seq > position && matches(message)) socket.write(message.frame)
        }
        socket.uncork()
      }
      position = last
    },

    subscribe(request) {
      generation += 1
      filter = {
        types: request.types === undefined ? undefined : new Set(request.types),
        key: request.publicKey,
      }
      if (request.cursor === undefined) {
        position = source.position
        live = true
        return
      }
      position = request.cursor
      live = false
      const since = generation
      replay(since).catch((err) => {
        if (since !== generation || !open()) return
        closing = true
        parameters.onError(err)
      })
    },
  }
}
