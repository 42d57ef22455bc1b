/**
 * Statements and bulk loads inside a drizzle transaction, on the transaction's own connection.
 *
 * Bulk loads are `COPY … FROM` in COPY's binary format (`copyBinary.ts`): PGlite in this thread reads
 * `COPY … FROM '/dev/blob'` from a Blob given with the query, PGlite on its own thread from the bytes sent there
 * (`pgliteThreadClient.ts`); node-postgres sends `COPY … FROM STDIN` through `pg-copy-streams` (node-postgres has
 * no COPY of its own). COPY inserts many tuples per call (and per WAL record) and reads each field by its length
 * instead of parsing statement parameters. Measured here for 100,000 exporter validator rows in batches of 5,000,
 * with the exporter's indexes: PGlite on disk about 1.05 s of CPU in text format against 1.7 s as
 * `insert … select from unnest(…)`; PostgreSQL about 0.6 s against 0.96 s. The binary format takes a further
 * sixth off PGlite's COPY time (`bench/exporterCopy.bench.ts`).
 */
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { Transaction } from '@electric-sql/pglite'
import { is, type SQL } from 'drizzle-orm'
import { NodePgSession } from 'drizzle-orm/node-postgres'
import { PgDialect } from 'drizzle-orm/pg-core'
import { PgliteSession } from 'drizzle-orm/pglite'
import type { PoolClient } from 'pg'
import { from as copyFrom } from 'pg-copy-streams'
import { BaseError } from '../core/errors.js'
import type { DrizzleExecutor } from './database.js'
import type { PgliteThreadTransaction } from './pgliteThreadClient.js'

/**
 * Statements on a drizzle transaction's own connection, each sent when called: drizzle's `execute` sends only
 * once awaited, a few steps later, so statements mixed with a COPY (sent at once) would reach the database out of
 * order. These reach it in call order, so a transaction can send several without waiting for answers in between.
 */
export type TransactionConnection = {
  /** Sends `query` now; resolves to its rows. */
  execute<row>(query: SQL): Promise<row[]>
  /** `COPY table (columns) FROM` rows in COPY's binary format (see above), sent now. */
  copyFrom(table: string, columns: string, rows: Uint8Array): Promise<void>
}

const dialect = new PgDialect()

/** drizzle keeps the driver's client on its session. */
const sessionOf = (tx: DrizzleExecutor) => (tx as unknown as { session?: unknown }).session

/** Whether `tx`'s driver sends one statement at a time (node-postgres), so that sending several together gains nothing. */
export function sendsInTurn(tx: DrizzleExecutor): boolean {
  return is(sessionOf(tx), NodePgSession)
}

/**
 * The caller's transaction's connection (see `TransactionConnection`).
 *
 * @example
 * const connection = transactionConnection(tx)
 * await pipelined([connection.copyFrom('exporter_validators', validatorCopyColumns, bytes), connection.execute(sql`…`)])
 */
export function transactionConnection(tx: DrizzleExecutor): TransactionConnection {
  // In a transaction, the session's client is the transaction's (PGlite) or the pool client that holds it
  // (node-postgres).
  const session = sessionOf(tx)
  if (is(session, PgliteSession)) {
    const client = (session as unknown as { client: Pick<Transaction, 'query'> | PgliteThreadTransaction }).client
    return {
      async execute<row>(query: SQL) {
        const { sql: text, params } = dialect.sqlToQuery(query)
        return (await client.query<row>(text, params)).rows
      },
      copyFrom:
        'copyFrom' in client
          ? async (table, columns, rows) => void (await client.copyFrom(table, columns, rows))
          : async (table, columns, rows) =>
              void (await client.query(`copy ${table} (${columns}) from '/dev/blob' with (format binary)`, [], {
                blob: new Blob([rows]),
              })),
    }
  }
  if (is(session, NodePgSession)) {
    const client = (session as unknown as { client: PoolClient | { connect: unknown } }).client
    // Outside a transaction the session holds the pool, whose statements may each take another connection.
    if (!('release' in client)) throw new BaseError('this executor is the pool itself, not a transaction')
    // node-postgres sends a statement only once the one before is answered anyway (and warns about calls made
    // before that): each waits for the one before here, in call order.
    let previous: Promise<unknown> = Promise.resolve()
    const inTurn = <T>(send: () => Promise<T>): Promise<T> => {
      const turn = previous.then(send, send)
      previous = turn.catch(() => {})
      return turn
    }
    return {
      execute<row>(query: SQL) {
        const { sql: text, params } = dialect.sqlToQuery(query)
        return inTurn(async () => (await client.query(text, params)).rows as row[])
      },
      copyFrom: (table, columns, rows) =>
        inTurn(() =>
          pipeline(
            Readable.from([Buffer.from(rows.buffer, rows.byteOffset, rows.byteLength)]),
            client.query(copyFrom(`copy ${table} (${columns}) from stdin with (format binary)`)),
          ),
        ),
    }
  }
  throw new BaseError('a transaction connection needs a PGlite or node-postgres session: this executor has neither')
}
