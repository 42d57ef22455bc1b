/**
 * Appending to the exporter's stream outbox (`exporter_stream`) and waking the stream servers.
 *
 * Every append runs in the writer's transaction, after `lockExporterStream`: a transaction-level advisory lock
 * held until commit. Under it the writer reads the highest seq and numbers its messages on from there, so seqs
 * are dense, follow chain order, and become visible in the order they were given: a reader that has seen
 * `seq = n` never later finds a committed row below n, and a stream server can read "everything after my last
 * seq" without missing a row, even if two writers ever overlap (a failover in flight). The same chain indexed
 * twice (or resumed after a crash) gets the same seqs.
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

/**
 * One message to append: a reference to the operator or validator row it shows (whose `added_seq` or
 * `removed_seq` is the message's seq), or its envelope's JSON text (stored exactly) with its filter key.
 */
export type StreamAppend =
  | { type: 'operator' | 'validator'; ref: number }
  | {
      type: StreamEnvelope['type']
      /** Lower-case public key or task manager; null for retractions. */
      key: string | null
      /** `JSON.stringify` of a `StreamEnvelope` (or the same text, from `…EnvelopeJson`). */
      payload: string
    }

/** Serialises stream appends until the transaction ends (see the module comment). */
export function lockExporterStream(tx: DrizzleExecutor): Promise<unknown> {
  return tx.execute(sql`select pg_advisory_xact_lock(${streamLockKey.toString()}::bigint)`)
}

/** The highest seq in the outbox (0 when empty); read it after `lockExporterStream`, in its own statement. */
export async function readStreamHead(tx: DrizzleExecutor): Promise<bigint> {
  const result = (await tx.execute(
    sql`select coalesce(max(seq), 0)::text as head from exporter_stream`,
  )) as unknown as { rows: { head: string }[] }
  return BigInt(result.rows[0]?.head ?? '0')
}

/**
 * The statements appending `appends` with seqs `firstSeq`, `firstSeq + 1`, …: CTE bodies (references in one
 * `unnest`, texts zipped with one JSON array by `rows from`; measured on PostgreSQL for 9,000 texts: about 75 ms
 * this way against 230 ms as a text array, whose literal escapes every quote), and the final `select` that
 * notifies the last seq.
 */
export function streamAppendSql(
  appends: readonly StreamAppend[],
  firstSeq: bigint,
): { ctes: SQL[]; notify: SQL; lastSeq: bigint } {
  const refs: { seq: bigint; type: string; ref: number }[] = []
  const texts: { seq: bigint; type: string; key: string | null; payload: string }[] = []
  let seq = firstSeq
  for (const append of appends) {
    if ('ref' in append) refs.push({ seq, type: append.type, ref: append.ref })
    else texts.push({ seq, type: append.type, key: append.key, payload: append.payload })
    seq++
  }
  const ctes: SQL[] = []
  if (refs.length > 0) {
    ctes.push(sql`appended_refs as (insert into exporter_stream (seq, type, ref)
      select * from unnest(${arrayParameter(refs, (r) => r.seq)}::int8[], ${arrayParameter(refs, (r) => r.type)}::text[],
        ${arrayParameter(refs, (r) => r.ref)}::int4[]))`)
  }
  if (texts.length > 0) {
    const payloads = `[${texts.map((text) => text.payload).join(',')}]`
    ctes.push(sql`appended_texts as (insert into exporter_stream (seq, type, key, payload)
      select seq, type, key, payload
      from rows from (
        unnest(${arrayParameter(texts, (t) => t.seq)}::int8[], ${arrayParameter(texts, (t) => t.type)}::text[],
          ${arrayParameter(texts, (t) => t.key)}::text[]),
        json_array_elements(${payloads}::json)
      ) as input(seq, type, key, payload))`)
  }
  const lastSeq = seq - 1n
  return {
    ctes,
    notify: sql`select pg_notify(${exporterStreamChannel}, ${lastSeq.toString()}) as notified`,
    lastSeq,
  }
}

/**
 * Appends messages after the outbox's highest seq and notifies, in the caller's transaction (after
 * `lockExporterStream`); the last seq.
 */
export async function appendStream(tx: DrizzleExecutor, appends: readonly StreamAppend[]): Promise<bigint | undefined> {
  if (appends.length === 0) return undefined
  const { ctes, notify, lastSeq } = streamAppendSql(appends, (await readStreamHead(tx)) + 1n)
  await tx.execute(sql`with ${sql.join(ctes, sql`, `)} ${notify}`)
  return lastSeq
}
