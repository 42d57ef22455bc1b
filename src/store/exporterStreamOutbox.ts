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
import { ExporterStreamReferenceError } from './readExporterStream.js'

/** The channel every append notifies, with the last appended seq as payload. */
export const exporterStreamChannel = 'avskit_exporter_stream'

const streamLockKey = advisoryLockKey('avskit:exporter-stream')

/**
 * One message to append: a reference to the operator or validator row it shows (whose `added_seq` or
 * `removed_seq` is the message's seq), or its envelope's JSON text (stored exactly) with its filter key. See
 * `schema/exporter.ts` for how the outbox stores both.
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

/** The statement of `lockExporterStream`. */
export const lockExporterStreamSql = sql`select pg_advisory_xact_lock(${streamLockKey.toString()}::bigint)`

/** Serialises stream appends until the transaction ends (see the module comment). */
export function lockExporterStream(tx: DrizzleExecutor): Promise<unknown> {
  return tx.execute(lockExporterStreamSql)
}

/**
 * The highest seq in the outbox, the last of its last row (runs do not overlap), as an expression: 0 when empty.
 * One step down the primary key, whatever the outbox's size.
 */
export const streamHeadSql = sql`coalesce((select seq + count - 1 from exporter_stream order by seq desc limit 1), 0)`

/** The highest seq in the outbox (0 when empty); read it after `lockExporterStream`, in its own statement. */
export async function readStreamHead(tx: DrizzleExecutor): Promise<bigint> {
  const result = (await tx.execute(sql`select ${streamHeadSql}::text as head`)) as unknown as {
    rows: { head: string }[]
  }
  return BigInt(result.rows[0]?.head ?? '0')
}

/** Outbox rows by reference: `count` messages from `seq` about rows `ref …` of `type`. */
export type StreamRefRun = { seq: bigint; type: string; ref: number; count: number }
/** Outbox rows as text. */
export type StreamText = { seq: bigint; type: string; key: string | null; payload: string }

/**
 * The statements appending `appends` with seqs `firstSeq`, `firstSeq + 1`, …: CTE bodies and the final `select`
 * that notifies the last seq. References to consecutive rows of one type at consecutive seqs become one run.
 */
export function streamAppendSql(
  appends: readonly StreamAppend[],
  firstSeq: bigint,
): { ctes: SQL[]; notify: SQL; lastSeq: bigint } {
  const runs: StreamRefRun[] = []
  const texts: StreamText[] = []
  let run: StreamRefRun | undefined
  let seq = firstSeq
  for (const append of appends) {
    if (!('ref' in append)) {
      texts.push({ seq, type: append.type, key: append.key, payload: append.payload })
      run = undefined
    } else if (run && run.type === append.type && run.ref + run.count === append.ref) {
      run.count++
    } else {
      run = { seq, type: append.type, ref: append.ref, count: 1 }
      runs.push(run)
    }
    seq++
  }
  const lastSeq = seq - 1n
  return {
    ctes: streamInsertCtes(runs, texts),
    notify: sql`select pg_notify(${exporterStreamChannel}, ${lastSeq.toString()}) as notified`,
    lastSeq,
  }
}

/**
 * CTE bodies inserting outbox rows: runs in one `unnest`, texts zipped with one JSON array by `rows from`
 * (measured on PostgreSQL for 9,000 texts: about 75 ms this way against 230 ms as a text array, whose literal
 * escapes every quote).
 */
export function streamInsertCtes(runs: readonly StreamRefRun[], texts: readonly StreamText[]): SQL[] {
  const ctes: SQL[] = []
  if (runs.length > 0) {
    ctes.push(sql`appended_refs as (insert into exporter_stream (seq, type, ref, count)
      select * from unnest(${arrayParameter(runs, (r) => r.seq)}::int8[], ${arrayParameter(runs, (r) => r.type)}::text[],
        ${arrayParameter(runs, (r) => r.ref)}::int4[], ${arrayParameter(runs, (r) => r.count)}::int4[]))`)
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
  return ctes
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

/**
 * Stores the messages at `texts`' seqs, which the outbox holds by reference, as text instead (in the caller's
 * transaction, after `lockExporterStream`): the runs holding them are split around them. A rollback does this
 * before it deletes or un-removes the rows those messages refer to.
 */
export async function writeOutStreamReferences(tx: DrizzleExecutor, texts: readonly StreamText[]): Promise<void> {
  if (texts.length === 0) return
  const bySeq = new Map(texts.map((text) => [text.seq, text]))
  let lowest = texts[0]?.seq as bigint
  let highest = lowest
  for (const { seq } of texts) {
    if (seq < lowest) lowest = seq
    if (seq > highest) highest = seq
  }
  const result = (await tx.execute(sql`select seq::text as seq, type, ref, count from exporter_stream
    where payload is null and seq <= ${highest.toString()}::bigint
      and seq >= coalesce((select max(seq) from exporter_stream where seq <= ${lowest.toString()}::bigint), 0)
    order by exporter_stream.seq`)) as unknown as { rows: { seq: string; type: string; ref: number; count: number }[] }

  const replaced: bigint[] = []
  const runs: StreamRefRun[] = []
  const written: StreamText[] = []
  for (const row of result.rows) {
    const start = BigInt(row.seq)
    const pieces: StreamRefRun[] = []
    let piece: StreamRefRun | undefined
    let touched = false
    for (let i = 0; i < row.count; i++) {
      const seq = start + BigInt(i)
      const text = bySeq.get(seq)
      if (text) {
        touched = true
        written.push(text)
        piece = undefined
      } else if (piece) {
        piece.count++
      } else {
        piece = { seq, type: row.type, ref: row.ref + i, count: 1 }
        pieces.push(piece)
      }
    }
    if (touched) {
      replaced.push(start)
      runs.push(...pieces)
    }
  }
  if (written.length !== texts.length) {
    const found = new Set(written.map((text) => text.seq))
    const missing = texts.find((text) => !found.has(text.seq))
    throw new ExporterStreamReferenceError(
      `stream message ${missing?.seq} is not stored by reference: cannot write it out`,
    )
  }
  await tx.execute(sql`delete from exporter_stream where seq = any(${arrayParameter(replaced, (seq) => seq)}::int8[])`)
  await tx.execute(sql`with ${sql.join(streamInsertCtes(runs, written), sql`, `)} select 1`)
}
