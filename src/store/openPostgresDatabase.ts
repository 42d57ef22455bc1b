/**
 * A PostgreSQL server (or any Postgres-wire database) through a node-postgres pool and drizzle's
 * `node-postgres` driver. Session advisory locks pin one pooled connection per held lock, because a session
 * lock belongs to the connection that took it.
 */
import { drizzle } from 'drizzle-orm/node-postgres'
import pg from 'pg'
import { BaseError, InvalidInputError } from '../core/errors.js'
import type { Database, DrizzleDatabase, StoreLogger } from './database.js'
import { DatabaseConnectionError, describePostgresUrl } from './databaseErrors.js'
import { migratePostgresDatabase } from './migrateDatabase.js'
import { createPostgresListener } from './postgresListener.js'
import * as schema from './schema/index.js'

export type OpenPostgresDatabaseParameters = {
  url: string
  logger?: StoreLogger | undefined
  /** Pool size. Default 10. */
  maxConnections?: number | undefined
}

export async function openPostgresDatabase(parameters: OpenPostgresDatabaseParameters): Promise<Database> {
  const { url, logger } = parameters
  const description = `PostgreSQL at ${describePostgresUrl(url)}`
  assertPostgresUrl(url)

  const pool = new pg.Pool({
    connectionString: url,
    max: parameters.maxConnections ?? 10,
    connectionTimeoutMillis: 10_000,
    application_name: 'avskit',
  })
  // An idle connection dropped by the server must not crash the process; the pool replaces it.
  pool.on('error', (err) => logger?.warn({ error: err.message }, 'idle database connection failed'))

  try {
    await pool.query('select 1')
  } catch (err) {
    await pool.end().catch(() => {})
    throw new DatabaseConnectionError(`cannot connect to ${description}`, {
      cause: err,
      details: err instanceof Error ? err.message : String(err),
      metaMessages: [
        'Check --database-url: host, port, database name and credentials, and that the server is running.',
      ],
    })
  }

  try {
    await migratePostgresDatabase(pool, logger)
  } catch (err) {
    await pool.end().catch(() => {})
    throw err
  }

  const db: DrizzleDatabase = drizzle({ client: pool, schema })
  const lockClients = new Map<bigint, pg.PoolClient>()
  const listener = createPostgresListener({ url, description, logger })
  let closed = false
  const assertOpen = () => {
    if (closed) throw new BaseError(`${description} is closed`)
  }

  logger?.info({ database: description }, 'database opened')
  return {
    kind: 'postgres',
    description,
    db,
    get closed() {
      return closed
    },
    async query(sql, params = []) {
      assertOpen()
      const result = await pool.query(sql, params as unknown[])
      return { rows: result.rows, rowCount: result.rowCount ?? result.rows.length }
    },
    transaction(fn) {
      assertOpen()
      return db.transaction(fn)
    },
    async tryAdvisoryLock(key) {
      assertOpen()
      if (lockClients.has(key)) return true
      const client = await pool.connect()
      let acquired = false
      try {
        const result = await client.query<{ locked: boolean }>('select pg_try_advisory_lock($1) as locked', [
          key.toString(),
        ])
        acquired = result.rows[0]?.locked === true
      } catch (err) {
        client.release(true)
        throw err
      }
      if (!acquired) {
        client.release()
        return false
      }
      client.on('error', (err) => {
        if (lockClients.get(key) !== client) return
        lockClients.delete(key)
        logger?.warn({ key: key.toString(), error: err.message }, 'advisory lock connection lost: the lock is released')
      })
      lockClients.set(key, client)
      return true
    },
    async advisoryUnlock(key) {
      const client = lockClients.get(key)
      if (!client) return false
      lockClients.delete(key)
      try {
        const result = await client.query<{ unlocked: boolean }>('select pg_advisory_unlock($1) as unlocked', [
          key.toString(),
        ])
        client.release()
        return result.rows[0]?.unlocked === true
      } catch (err) {
        // Destroying the connection releases every lock it held.
        client.release(true)
        throw err
      }
    },
    listen(channel, handler) {
      assertOpen()
      return listener.listen(channel, handler)
    },
    async close() {
      if (closed) return
      closed = true
      await listener.close()
      // Unlock before disconnecting: the server frees a closed session's locks only once its backend has exited,
      // which can be after `close()` resolved, and a replica waiting for the lock should not have to wait for that.
      for (const client of lockClients.values()) {
        await client.query('select pg_advisory_unlock_all()').catch(() => undefined)
        client.release(true)
      }
      lockClients.clear()
      await pool.end()
      logger?.info({ database: description }, 'database closed')
    },
  }
}

function assertPostgresUrl(url: string): void {
  let protocol: string | undefined
  try {
    protocol = new URL(url).protocol
  } catch {
    protocol = undefined
  }
  if (protocol !== 'postgres:' && protocol !== 'postgresql:') {
    throw new InvalidInputError(`invalid database URL ${describePostgresUrl(url)}`, {
      metaMessages: ['Expected postgres://user:password@host:5432/database (or postgresql://…).'],
    })
  }
}
