/**
 * Bulk loading with `COPY … FROM` inside a drizzle transaction, on the transaction's own connection, in COPY's
 * binary format (`copyBinary.ts`): PGlite in this thread reads `COPY … FROM '/dev/blob'` from a Blob given with the
 * query, PGlite on its own thread from the bytes sent there (`pgliteThreadClient.ts`); node-postgres sends
 * `COPY … FROM STDIN` through `pg-copy-streams` (node-postgres has no COPY of its own). COPY inserts many tuples per
 * call (and per WAL record) and reads each field by its length instead of parsing statement parameters. Measured
 * here for 100,000 exporter validator rows in batches of 5,000, with the exporter's indexes: PGlite on disk about
 * 1.05 s of CPU in text format against 1.7 s as `insert … select from unnest(…)`; PostgreSQL about 0.6 s against
 * 0.96 s. The binary format takes a further quarter off PGlite's share (`bench/RESULTS.md`).
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

/** Copies rows in COPY's binary format (see above) into `table (columns)`, in the transaction it was made for. */
export type RowCopier = (table: string, columns: string, rows: Uint8Array) => Promise<void>

/**
 * The copier for the caller's transaction, on the transaction's own connection. Made before anything is sent, so
 * the caller can send the copy together with the statements that follow it.
 *
 * @example
 * await rowCopier(tx)('exporter_validators', validatorCopyColumns, validatorsCopyBinary(rows))
 */
export function rowCopier(tx: DrizzleExecutor): RowCopier {
  // drizzle keeps the driver's client on its session: in a transaction, the transaction's (PGlite) or the pool
  // client that holds it (node-postgres).
  const session = (tx as unknown as { session?: unknown }).session
  if (is(session, PgliteSession)) {
    const client = (session as unknown as { client: Pick<Transaction, 'query'> | PgliteThreadTransaction }).client
    if ('copyFrom' in client) return async (table, columns, rows) => void (await client.copyFrom(table, columns, rows))
    return async (table, columns, rows) =>
      void (await client.query(`copy ${table} (${columns}) from '/dev/blob' with (format binary)`, [], {
        blob: new Blob([rows]),
      }))
  }
  if (is(session, NodePgSession)) {
    const client = (session as unknown as { client: PoolClient | { connect: unknown } }).client
    // Outside a transaction the session holds the pool, and COPY needs one connection.
    if (!('release' in client)) throw new BaseError('COPY runs in a transaction: this executor is the pool itself')
    return (table, columns, rows) =>
      pipeline(
        Readable.from([Buffer.from(rows.buffer, rows.byteOffset, rows.byteLength)]),
        client.query(copyFrom(`copy ${table} (${columns}) from stdin with (format binary)`)),
      )
  }
  throw new BaseError('COPY needs a PGlite or node-postgres session: this executor has neither')
}
