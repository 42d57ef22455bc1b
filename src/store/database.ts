/**
 * The handle every service gets from `openDatabase`: one drizzle query layer over either an embedded PGlite
 * (one process, on disk in the data folder) or a PostgreSQL server (many processes and machines).
 */
import type { ExtractTablesWithRelations } from 'drizzle-orm'
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core'
import type { Logger } from '../core/logger.js'
import type * as schema from './schema/index.js'

export type DatabaseSchema = typeof schema
export type DatabaseKind = 'pglite' | 'postgres'

/** The drizzle database, the same type for both drivers. */
export type DrizzleDatabase = PgDatabase<PgQueryResultHKT, DatabaseSchema>
export type DrizzleTransaction = PgTransaction<
  PgQueryResultHKT,
  DatabaseSchema,
  ExtractTablesWithRelations<DatabaseSchema>
>
/** What repositories take: the database itself or an open transaction. */
export type DrizzleExecutor = DrizzleDatabase | DrizzleTransaction

/** The subset of a pino logger the store uses. */
export type StoreLogger = Pick<Logger, 'info' | 'warn' | 'debug'>

export type QueryResult<row> = {
  rows: row[]
  /** Rows returned, or affected by INSERT/UPDATE/DELETE. */
  rowCount: number
}

/**
 * What a `listen` handler receives: a notification's payload, or word that the listening connection was lost and
 * is back, so notifications sent meanwhile are gone: re-read whatever the notifications announce.
 */
export type DatabaseNotification = { kind: 'notification'; payload: string } | { kind: 'reconnected' }

export type Database = {
  readonly kind: DatabaseKind
  /** `PGlite in <folder>`, `PGlite in memory` or `PostgreSQL at <url without credentials>`. */
  readonly description: string
  /** The drizzle instance: typed queries over `schema.ts`. */
  readonly db: DrizzleDatabase
  /**
   * Raw SQL with `$1…$n` parameters, for what drizzle cannot express. One statement. Values arrive parsed the
   * node-postgres way on both drivers: int8/bigint and numeric as strings, timestamps as Date, json as objects.
   */
  query<row extends Record<string, unknown> = Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
  ): Promise<QueryResult<row>>
  /** Runs `fn` in a transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: DrizzleTransaction) => Promise<T>): Promise<T>
  /**
   * Takes the session-level advisory lock `key` without waiting: true when this handle now holds it (or already
   * did). On Postgres the lock lives on a dedicated connection until `advisoryUnlock` or `close`, and is released
   * by the server if this process dies. On PGlite it always succeeds: only one process can open it.
   */
  tryAdvisoryLock(key: bigint): Promise<boolean>
  /** Releases a lock taken with `tryAdvisoryLock`; false when this handle did not hold it. */
  advisoryUnlock(key: bigint): Promise<boolean>
  /**
   * Subscribes `handler` to `LISTEN channel` (a plain lower-case identifier); resolves once listening, to the
   * function that unsubscribes. Notifications arrive after the sender's commit. On Postgres all channels share one
   * dedicated connection outside the pool; when it drops it is reopened (with backoff) and every channel listened
   * to again, then each handler gets `{ kind: 'reconnected' }`. On PGlite notifications are in-process.
   */
  listen(channel: string, handler: (notification: DatabaseNotification) => void): Promise<() => Promise<void>>
  /** Releases locks, ends connections, and (PGlite) flushes and closes its files. Idempotent. */
  close(): Promise<void>
  readonly closed: boolean
}
