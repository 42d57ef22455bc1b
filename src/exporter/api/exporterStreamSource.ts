/**
 * The one reader of the stream outbox in an API process. It wakes on `LISTEN avskit_exporter_stream` (the writer
 * notifies in the transaction that appends), reads the rows after the last seq it has seen, in seq order, frames
 * each message once (`"cursor"` added, WebSocket header in front) and hands the batch to every `/stream` client.
 * Because it reads the database rather than receiving messages from the writer, every replica of the API serves
 * `/stream`, whichever process writes, and nothing a client receives was rolled back.
 *
 * The outbox is read after a seq, not from the notification's payload: a notification lost while the listening
 * connection was down (`reconnected`) or a failed read costs a delay, never a message. A slow poll covers
 * notifications lost without the connection noticing (a silently dead TCP peer).
 */
import type { Logger } from '../../core/logger.js'
import type { Metrics } from '../../core/metrics.js'
import {
  createExporterRepository,
  type Database,
  type ExporterStreamRow,
  exporterStreamChannel,
} from '../../store/index.js'
import { webSocketTextFrame } from './webSocketTextFrame.js'

/** One outbox message, framed for every client that takes it. */
export type StreamMessage = {
  seq: bigint
  type: ExporterStreamRow['type']
  key: string | null
  /** The WebSocket text frame of the message with `"cursor": seq`. */
  frame: Buffer
}

export type StreamBatch = {
  /** Consecutive outbox rows, ascending by seq. */
  messages: StreamMessage[]
  /** Every frame of the batch back to back: one write for a client that takes them all. */
  frames: Buffer
}

export type StreamSink = { deliver(batch: StreamBatch): void }

export type ExporterStreamSource = {
  /** The last seq read and handed out; every message up to it has been delivered to the sinks then present. */
  readonly position: bigint
  add(sink: StreamSink): void
  delete(sink: StreamSink): void
  close(): Promise<void>
}

export type StartExporterStreamSourceParameters = {
  database: Database
  logger: Pick<Logger, 'warn' | 'debug'>
  metrics?: Metrics | undefined
  /** Rows per read. */
  pageSize: number
  /** Reads even without a notification this often (default 5 s). */
  pollIntervalMs?: number | undefined
}

/** The message's JSON text with `"cursor": seq` appended (the stored text is an object: it ends with `}`). */
export function withCursor(payload: string, seq: bigint): string {
  return `${payload.slice(0, -1)},"cursor":${seq}}`
}

/** The frame a client receives for an outbox row. */
export function frameOf(row: ExporterStreamRow): Buffer {
  return webSocketTextFrame(withCursor(row.payload, row.seq))
}

/**
 * Starts listening, then starts at the outbox's current end: messages already stored are history, served to
 * clients that subscribe with a cursor.
 */
export async function startExporterStreamSource(
  parameters: StartExporterStreamSourceParameters,
): Promise<ExporterStreamSource> {
  const { database, logger, metrics, pageSize } = parameters
  const repository = createExporterRepository(database.db)
  const sinks = new Set<StreamSink>()
  let position = 0n
  let closed = false
  let reading: Promise<void> | undefined
  let again = false
  let failures = 0
  let retryTimer: NodeJS.Timeout | undefined

  const broadcast = (rows: ExporterStreamRow[]) => {
    const messages = rows.map((row) => ({ seq: row.seq, type: row.type, key: row.key, frame: frameOf(row) }))
    position = (rows[rows.length - 1] as ExporterStreamRow).seq
    const batch: StreamBatch = { messages, frames: Buffer.concat(messages.map((m) => m.frame)) }
    for (const sink of sinks) {
      try {
        sink.deliver(batch)
      } catch (err) {
        logger.warn({ error: err instanceof Error ? err.message : String(err) }, 'stream client failed a delivery')
      }
    }
    if (metrics) for (const message of messages) metrics.exporter.streamMessagesTotal.inc({ type: message.type })
  }

  const readAll = async () => {
    try {
      do {
        again = false
        for (;;) {
          const rows = await repository.readStream({ after: position, limit: pageSize })
          if (closed || rows.length === 0) break
          broadcast(rows)
          if (rows.length < pageSize) break
        }
      } while (again && !closed)
      failures = 0
    } catch (err) {
      if (closed) return
      failures += 1
      const delay = Math.min(5_000, 100 * 2 ** Math.min(failures, 6))
      logger.warn(
        { error: err instanceof Error ? err.message : String(err), retryInMs: delay },
        'cannot read the stream outbox; retrying',
      )
      retryTimer = setTimeout(wake, delay)
      retryTimer.unref()
    }
  }

  function wake(): void {
    if (closed) return
    if (reading) {
      again = true
      return
    }
    reading = readAll().finally(() => {
      reading = undefined
    })
  }

  const unlisten = await database.listen(exporterStreamChannel, (notification) => {
    if (notification.kind === 'notification') {
      try {
        if (BigInt(notification.payload) <= position) return
      } catch {
        // Not a seq: read anyway.
      }
    } else {
      logger.debug({}, 'stream listener reconnected: reading the outbox')
    }
    wake()
  })
  // After LISTEN: anything committed from here on is either below this head or notified.
  try {
    position = await repository.streamHead()
  } catch (err) {
    closed = true
    await unlisten().catch(() => {})
    throw err
  }
  const poll = setInterval(wake, parameters.pollIntervalMs ?? 5_000)
  poll.unref()

  return {
    get position() {
      return position
    },
    add(sink) {
      sinks.add(sink)
    },
    delete(sink) {
      sinks.delete(sink)
    },
    async close() {
      if (closed) return
      closed = true
      clearInterval(poll)
      clearTimeout(retryTimer)
      sinks.clear()
      await unlisten()
      await reading
    },
  }
}
