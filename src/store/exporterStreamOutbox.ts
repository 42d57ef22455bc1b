/**
 * Appending to the exporter's stream outbox (`exporter_stream`) and waking the stream servers.
 *
 * Every append runs in the writer's transaction, after `lockExporterStream`: a transaction-level advisory lock
 * held until commit. Sequence values are taken in the order appends are serialised by that lock and become
 * visible in the same order, so a reader that has seen `seq = n` never later finds a committed row below n: a
 * stream server can read "everything after my last seq" without missing a row, even if two writers ever overlap
 * (a failover in flight). Aborted transactions leave gaps in `seq`, which readers do not care about.
 *
 * `pg_notify` runs in the same transaction, so the notification is delivered on commit, never for rows that were
 * rolled back. Its payload is the last seq, so a server already past it skips the read.
 */
import { type SQL, sql } from 'drizzle-orm'
import { advisoryLockKey } from './advisoryLockKey.js'
import { arrayParameter } from './arrayParameter.js'
import type { DrizzleExecutor } from './database.js'
import type { StreamEnvelope } from './exporterMessages.js'

/** The channel every append notifies, with the last appended seq as payload. */
export const exporterStreamChannel = 'avskit_exporter_stream'

const streamLockKey = advisoryLockKey('avskit:exporter-stream')

/** One message to append: its envelope's JSON text (stored exactly), filter key and block. */
export type StreamAppend = {
  type: StreamEnvelope['type']
  /** Lower-case public key or task manager; null for retractions. */
  key: string | null
  /** `JSON.stringify` of a `StreamEnvelope` (or the same text, from `…EnvelopeJson`). */
  payload: string
  blockNumber: number | null
}

/** Serialises stream appends until the transaction ends (see the module comment). */
export function lockExporterStream(tx: DrizzleExecutor): Promise<unknown> {
  return tx.execute(sql`select pg_advisory_xact_lock(${streamLockKey.toString()}::bigint)`)
}

/**
 * The `insert … returning seq` for `appends`, in order, as a statement or a CTE body. Payloads travel as one JSON
 * array read by `json_array_elements`, zipped with the other columns' arrays by `rows from`; each payload's text
 * is stored as `JSON.stringify` wrote it. Measured on PostgreSQL for 9,000 messages: about 75 ms this way, 130 ms
 * as a `json_to_recordset` document and 230 ms as a text array (whose literal escapes every quote).
 */
export function streamInsertSql(appends: readonly StreamAppend[]): SQL {
  const payloads = `[${appends.map((append) => append.payload).join(',')}]`
  return sql`insert into exporter_stream (type, key, payload, block_number)
    select type, key, payload, block_number
    from rows from (
      unnest(${arrayParameter(appends, (a) => a.type)}::text[], ${arrayParameter(appends, (a) => a.key)}::text[],
        ${arrayParameter(appends, (a) => a.blockNumber)}::int8[]),
      json_array_elements(${payloads}::json)
    ) with ordinality as input(type, key, block_number, payload, n)
    order by n
    returning seq`
}

/** `select` over a CTE named `appended` (from `streamInsertSql`): notifies and returns the last seq. */
export const notifyAppendedSql = sql`select last_seq::text as last_seq,
    pg_notify(${exporterStreamChannel}, last_seq::text) as notified
  from (select max(seq) as last_seq from appended) as appended_max`

/** Appends messages and notifies, in the caller's transaction (after `lockExporterStream`); the last seq. */
export async function appendStream(tx: DrizzleExecutor, appends: readonly StreamAppend[]): Promise<bigint | undefined> {
  if (appends.length === 0) return undefined
  const result = (await tx.execute(
    sql`with appended as (${streamInsertSql(appends)}) ${notifyAppendedSql}`,
  )) as unknown as { rows: { last_seq: string }[] }
  return BigInt(result.rows[0]?.last_seq as string)
}
