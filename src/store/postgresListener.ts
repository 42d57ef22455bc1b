/**
 * `LISTEN` on PostgreSQL for `Database.listen`: one dedicated connection outside the pool (a pooled connection
 * is handed to other queries between uses, and would lose its LISTENs), shared by every channel of the handle.
 *
 * A notification sent while the connection is down is lost for good: Postgres delivers to the sessions listening
 * at commit time. So when the connection drops (server restart, failover, `pg_terminate_backend`, network) the
 * listener reconnects with exponential backoff, listens to every channel again, and only then tells each handler
 * `{ kind: 'reconnected' }`: a handler re-reads whatever the notifications announce (the stream servers read the
 * outbox after their last seq), and anything committed after that point is notified again.
 */
import pg from 'pg'
import { BaseError, InvalidInputError } from '../core/errors.js'
import type { DatabaseNotification, StoreLogger } from './database.js'

export type PostgresListener = {
  listen(channel: string, handler: (notification: DatabaseNotification) => void): Promise<() => Promise<void>>
  /** Ends the connection and stops reconnecting. Idempotent. */
  close(): Promise<void>
}

export type CreatePostgresListenerParameters = {
  url: string
  /** `PostgreSQL at host/db`, for log lines (no credentials). */
  description: string
  logger?: StoreLogger | undefined
  /** First reconnection delay; doubles up to `maxBackoffMs`. Default 100 ms. */
  initialBackoffMs?: number | undefined
  /** Default 5 s. */
  maxBackoffMs?: number | undefined
}

type Handler = (notification: DatabaseNotification) => void

const channelName = /^[a-z_][a-z0-9_]{0,62}$/

/** Throws unless `channel` is a plain identifier (it is written into `LISTEN` unquoted). */
export function assertChannelName(channel: string): void {
  if (!channelName.test(channel)) {
    throw new InvalidInputError(`invalid notification channel ${JSON.stringify(channel)}`, {
      metaMessages: ['Expected a lower-case identifier: a letter or _, then letters, digits or _ (at most 63).'],
    })
  }
}

export function createPostgresListener(parameters: CreatePostgresListenerParameters): PostgresListener {
  const { url, description, logger } = parameters
  const initialBackoffMs = parameters.initialBackoffMs ?? 100
  const maxBackoffMs = parameters.maxBackoffMs ?? 5_000
  const channels = new Map<string, Set<Handler>>()
  let current: pg.Client | undefined
  /** The client to use next: the open one, or the one being (re)connected. */
  let connection: Promise<pg.Client> | undefined
  let closed = false
  let wakeBackoff: (() => void) | undefined

  const dispatch = (channel: string, notification: DatabaseNotification) => {
    for (const handler of channels.get(channel) ?? []) {
      try {
        handler(notification)
      } catch (err) {
        logger?.warn(
          { channel, error: err instanceof Error ? err.message : String(err) },
          'notification handler failed',
        )
      }
    }
  }

  const open = async (): Promise<pg.Client> => {
    const client = new pg.Client({
      connectionString: url,
      application_name: 'avskit-listen',
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      connectionTimeoutMillis: 10_000,
    })
    client.on('notification', (message) =>
      dispatch(message.channel, { kind: 'notification', payload: message.payload ?? '' }),
    )
    client.on('error', (err) => lost(client, err))
    client.on('end', () => lost(client, undefined))
    try {
      await client.connect()
    } catch (err) {
      await client.end().catch(() => {})
      throw err
    }
    if (closed) {
      await client.end().catch(() => {})
      throw new BaseError(`${description} is closed`)
    }
    current = client
    return client
  }

  const reconnect = async (): Promise<pg.Client> => {
    for (let attempt = 0; ; attempt++) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(maxBackoffMs, initialBackoffMs * 2 ** attempt))
        timer.unref()
        wakeBackoff = () => {
          clearTimeout(timer)
          resolve()
        }
      })
      wakeBackoff = undefined
      if (closed) throw new BaseError(`${description} is closed`)
      let client: pg.Client | undefined
      try {
        client = await open()
        if (channels.size > 0) await client.query([...channels.keys()].map((c) => `LISTEN ${c}`).join('; '))
      } catch (err) {
        if (client && current === client) current = undefined
        await client?.end().catch(() => {})
        if (closed) throw err
        logger?.warn(
          { database: description, attempt: attempt + 1, error: err instanceof Error ? err.message : String(err) },
          'cannot reconnect the notification listener yet',
        )
        continue
      }
      logger?.info({ database: description, channels: [...channels.keys()] }, 'notification listener reconnected')
      for (const channel of channels.keys()) dispatch(channel, { kind: 'reconnected' })
      return client
    }
  }

  function lost(client: pg.Client, err: Error | undefined): void {
    if (client !== current || closed) return
    current = undefined
    client.end().catch(() => {})
    logger?.warn(
      { database: description, error: err?.message ?? 'connection ended' },
      'notification listener lost its connection: reconnecting',
    )
    connection = reconnect()
    // Rejected only once closed; nobody may be waiting.
    connection.catch(() => {})
  }

  const connected = (): Promise<pg.Client> => {
    if (!connection) {
      connection = open()
      // A failed first connection is reported to the caller; the next listen tries again.
      connection.catch(() => {
        connection = undefined
      })
    }
    return connection
  }

  return {
    async listen(channel, handler) {
      assertChannelName(channel)
      if (closed) throw new BaseError(`${description} is closed`)
      let handlers = channels.get(channel)
      const first = handlers === undefined
      if (!handlers) {
        handlers = new Set()
        channels.set(channel, handlers)
      }
      handlers.add(handler)
      const forget = () => {
        handlers.delete(handler)
        if (handlers.size === 0 && channels.get(channel) === handlers) channels.delete(channel)
      }
      try {
        const client = await connected()
        if (first) await client.query(`LISTEN ${channel}`)
      } catch (err) {
        forget()
        throw new BaseError(`cannot listen to ${channel} on ${description}`, { cause: err })
      }
      return async () => {
        forget()
        if (channels.has(channel) || !current) return
        // Best effort: a connection that just dropped has forgotten the LISTEN anyway.
        await current.query(`UNLISTEN ${channel}`).catch(() => {})
      }
    },
    async close() {
      if (closed) return
      closed = true
      wakeBackoff?.()
      const client = current
      current = undefined
      channels.clear()
      await client?.end().catch(() => {})
    },
  }
}
