/**
 * Bulk loading with `COPY … FROM` inside a drizzle transaction, on the transaction's own connection: PGlite in
 * this thread reads `COPY … FROM '/dev/blob'` from a Blob given with the query, PGlite on its own thread from the
 * text sent there (`pgliteThreadClient.ts`); node-postgres sends `COPY … FROM STDIN` through
 * `pg-copy-streams` (node-postgres has no COPY of its own). COPY inserts many tuples per call (and per WAL record)
 * and parses plain text instead of array literals. Measured here for 100,000 exporter validator rows in batches
 * of 5,000, with the exporter's indexes: PGlite on disk about 1.05 s of CPU against 1.7 s as
 * `insert … select from unnest(…)`; PostgreSQL about 0.6 s against 0.96 s.
 *
 * The text is COPY's text format (PostgreSQL docs, "COPY", File Formats): one line per row, fields separated by
 * tabs, `\N` for null, and backslash, tab, newline and carriage return escaped.
 */
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { Transaction } from '@electric-sql/pglite'
import { is } from 'drizzle-orm'
import { NodePgSession } from 'drizzle-orm/node-postgres'
import { PgliteSession } from 'drizzle-orm/pglite'
import type { PoolClient } from 'pg'
import { from as copyFrom } from 'pg-copy-streams'
import { BaseError } from '../core/errors.js'
import type { DrizzleExecutor } from './database.js'
import type { PgliteThreadTransaction } from './pgliteThreadClient.js'

const special = /[\\\t\n\r]/
const escapes: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' }

/** One field of COPY's text format. */
export function copyField(value: string | number | bigint | null): string {
  if (value === null) return '\\N'
  if (typeof value !== 'string') return String(value)
  return special.test(value) ? value.replace(/[\\\t\n\r]/g, (c) => escapes[c] as string) : value
}

/** Copies rows in COPY's text format (see above) into `table (columns)`, in the transaction it was made for. */
export type RowCopier = (table: string, columns: string, text: string) => Promise<void>

/**
 * The copier for the caller's transaction, on the transaction's own connection. Made before anything is sent, so
 * the caller can send the copy together with the statements that follow it.
 *
 * @example
 * await rowCopier(tx)('exporter_validators', 'index, public_key', '0\t0xab\n1\t0xcd\n')
 */
export function rowCopier(tx: DrizzleExecutor): RowCopier {
  // drizzle keeps the driver's client on its session: in a transaction, the transaction's (PGlite) or the pool
  // client that holds it (node-postgres).
  const session = (tx as unknown as { session?: unknown }).session
  if (is(session, PgliteSession)) {
    const client = (session as unknown as { client: Pick<Transaction, 'query'> | PgliteThreadTransaction }).client
    if ('copyFrom' in client) return async (table, columns, text) => void (await client.copyFrom(table, columns, text))
    return async (table, columns, text) =>
      void (await client.query(`copy ${table} (${columns}) from '/dev/blob'`, [], { blob: new Blob([text]) }))
  }
  if (is(session, NodePgSession)) {
    const client = (session as unknown as { client: PoolClient | { connect: unknown } }).client
    // Outside a transaction the session holds the pool, and COPY needs one connection.
    if (!('release' in client)) throw new BaseError('COPY runs in a transaction: this executor is the pool itself')
    return (table, columns, text) =>
      pipeline(Readable.from([text]), client.query(copyFrom(`copy ${table} (${columns}) from stdin`)))
  }
  throw new BaseError('COPY needs a PGlite or node-postgres session: this executor has neither')
}
