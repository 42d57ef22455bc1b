/**
 * Reading the stream outbox: messages after a seq, in seq order, each as its exact JSON text. A message stored by
 * reference is built here from the row it refers to, with the same functions `/query` uses: the row's
 * `added_seq` equal to the message's seq makes it the row as added (`removed: false`, the adding log's block and
 * transaction), `removed_seq` the row as removed.
 *
 * Without a key filter a page is two reads: the outbox rows from the one holding the first wanted seq (runs
 * expanded here), then the rows they refer to, by primary key. With a key filter the messages come from the rows
 * with that public key (their `added_seq` and `removed_seq`) and from the texts with that key, so a subscription
 * to one validator does not scan the stream.
 */
import { and, asc, eq, getTableColumns, gt, or, type SQL, sql } from 'drizzle-orm'
import { BaseError } from '../core/errors.js'
import type { DrizzleExecutor } from './database.js'
import {
  type ExporterMessageType,
  type ExporterOperatorRow,
  type ExporterValidatorRow,
  operatorEnvelopeJson,
  validatorEnvelopeJson,
} from './exporterMessages.js'
import { selectValidatorRows } from './exporterValidatorRows.js'
import { exporterOperators, exporterStream, exporterValidators } from './schema/index.js'

/** One stored stream message: its seq (the client's cursor) and its exact JSON text. */
export type ExporterStreamRow = {
  seq: bigint
  type: ExporterMessageType | 'retraction'
  /** Lower-case public key or task manager; null for retractions. */
  key: string | null
  /** The message's JSON text without `cursor`. */
  payload: string
}

export type ReadExporterStreamParameters = {
  /** Rows with `seq` greater than this. */
  after: bigint
  limit: number
  /** Only these types (retractions always match). */
  types?: readonly ExporterMessageType[] | undefined
  /** Only messages whose key is this (case-insensitive; retractions always match). */
  key?: string | undefined
}

/** A stream message refers to a row that does not hold it: the outbox and the tables disagree. */
export class ExporterStreamReferenceError extends BaseError {
  override name = 'ExporterStreamReferenceError'
}

type Removable = Pick<ExporterOperatorRow, 'addedSeq' | 'removedSeq' | 'index'>

/** The row as its message at `seq` showed it: as added, or as removed. */
function rowAt<row extends Removable>(type: string, row: row, seq: bigint): row {
  const at = Number(seq)
  if (row.addedSeq === at) {
    return {
      ...row,
      removedBlock: null,
      removedTransaction: null,
      removedLogIndex: null,
      removedSeq: null,
    }
  }
  if (row.removedSeq === at) return row
  throw new ExporterStreamReferenceError(
    `stream message ${seq} refers to ${type} ${row.index}, which holds no such message`,
    {
      details: `the row was added at seq ${row.addedSeq} and removed at seq ${row.removedSeq ?? 'none'}`,
    },
  )
}

/** The JSON text of the operator message at `seq`, built from its row. */
export function operatorMessageJson(row: ExporterOperatorRow, seq: bigint): string {
  return operatorEnvelopeJson(rowAt('operator', row, seq))
}

/** The JSON text of the validator message at `seq`, built from its row. */
export function validatorMessageJson(row: ExporterValidatorRow, seq: bigint): string {
  return validatorEnvelopeJson(rowAt('validator', row, seq))
}

/** Stream messages after a seq, in seq order, with their JSON text; `limit` of them unless fewer match. */
export async function readExporterStream(
  db: DrizzleExecutor,
  { after, limit, types, key }: ReadExporterStreamParameters,
): Promise<ExporterStreamRow[]> {
  if (limit <= 0) return []
  return key === undefined
    ? readInOrder(db, after, limit, types)
    : readByKey(db, after, limit, types, key.toLowerCase())
}

type OutboxRow = {
  seq: string
  type: string
  ref: number | null
  count: number
  key: string | null
  payload: string | null
}
type Reference = { seq: bigint; type: 'operator' | 'validator'; ref: number }

const rowsOf = <row>(result: unknown) => (result as { rows: row[] }).rows

async function readInOrder(
  db: DrizzleExecutor,
  after: bigint,
  limit: number,
  types: readonly ExporterMessageType[] | undefined,
): Promise<ExporterStreamRow[]> {
  const typeFilter =
    types === undefined ? sql`` : sql`and (type = any(${sql.param([...types])}::text[]) or type = 'retraction')`
  // From the row holding seq `after` (a run may go on past it); every later row holds at least one message.
  const outbox = rowsOf<OutboxRow>(
    await db.execute(sql`select seq::text as seq, type, ref, count, key, payload::text as payload
      from exporter_stream
      where seq >= coalesce((select max(seq) from exporter_stream where seq <= ${after.toString()}::bigint), 0)
        ${typeFilter}
      order by exporter_stream.seq
      limit ${limit + 1}`),
  )
  const pending: (ExporterStreamRow | Reference)[] = []
  for (const row of outbox) {
    const start = BigInt(row.seq)
    if (row.payload !== null) {
      if (start > after)
        pending.push({ seq: start, type: row.type as ExporterStreamRow['type'], key: row.key, payload: row.payload })
    } else {
      const first = start > after ? 0 : Number(after - start) + 1
      for (let i = first; i < row.count && pending.length < limit; i++) {
        pending.push({ seq: start + BigInt(i), type: row.type as Reference['type'], ref: (row.ref as number) + i })
      }
    }
    if (pending.length >= limit) break
  }
  const references = pending.filter((message): message is Reference => 'ref' in message)
  if (references.length === 0) return pending as ExporterStreamRow[]

  const indexes = (type: Reference['type']) => references.filter((r) => r.type === type).map((r) => r.ref)
  const operatorIndexes = indexes('operator')
  const validatorIndexes = indexes('validator')
  const operators = new Map(
    (operatorIndexes.length === 0
      ? []
      : await db
          .select()
          .from(exporterOperators)
          .where(sql`${exporterOperators.index} = any(${sql.param(operatorIndexes)}::int4[])`)
    ).map((row) => [row.index, row]),
  )
  const validators = new Map(
    (validatorIndexes.length === 0
      ? []
      : await selectValidatorRows(db).where(
          sql`${exporterValidators.index} = any(${sql.param(validatorIndexes)}::int4[])`,
        )
    ).map((row) => [row.index, row]),
  )
  return pending.map((message): ExporterStreamRow => {
    if (!('ref' in message)) return message
    const row = (message.type === 'operator' ? operators : validators).get(message.ref)
    if (!row) {
      throw new ExporterStreamReferenceError(
        `stream message ${message.seq} refers to ${message.type} ${message.ref}, which is gone`,
      )
    }
    const payload =
      message.type === 'operator'
        ? operatorMessageJson(row as ExporterOperatorRow, message.seq)
        : validatorMessageJson(row as ExporterValidatorRow, message.seq)
    return { seq: message.seq, type: message.type, key: row.publicKey, payload }
  })
}

async function readByKey(
  db: DrizzleExecutor,
  after: bigint,
  limit: number,
  types: readonly ExporterMessageType[] | undefined,
  key: string,
): Promise<ExporterStreamRow[]> {
  const wanted = (type: ExporterMessageType) => types === undefined || types.includes(type)
  const messages: ExporterStreamRow[] = []
  const since = Number(after)
  const collect = <row extends ExporterOperatorRow | ExporterValidatorRow>(
    type: 'operator' | 'validator',
    rows: readonly row[],
    json: (row: row, seq: bigint) => string,
  ) => {
    for (const row of rows) {
      for (const seq of [row.addedSeq, row.removedSeq]) {
        if (seq !== null && seq > since) {
          messages.push({ seq: BigInt(seq), type, key: row.publicKey, payload: json(row, BigInt(seq)) })
        }
      }
    }
  }
  const changedSince = (table: typeof exporterOperators | typeof exporterValidators) =>
    and(eq(table.publicKey, key), or(gt(table.addedSeq, since), gt(table.removedSeq, since)))
  if (wanted('operator')) {
    const rows = await db
      .select(getTableColumns(exporterOperators))
      .from(exporterOperators)
      .where(changedSince(exporterOperators))
    collect('operator', rows, operatorMessageJson)
  }
  if (wanted('validator')) {
    collect('validator', await selectValidatorRows(db).where(changedSince(exporterValidators)), validatorMessageJson)
  }
  const textTypes: SQL =
    types === undefined ? sql`` : sql`and ${exporterStream.type} = any(${sql.param([...types])}::text[])`
  const texts = await db
    .select({
      seq: exporterStream.seq,
      type: exporterStream.type,
      key: exporterStream.key,
      payload: sql<string>`${exporterStream.payload}::text`,
    })
    .from(exporterStream)
    .where(
      sql`${exporterStream.payload} is not null and ${exporterStream.seq} > ${after.toString()}::bigint
        and (${exporterStream.type} = 'retraction' or (${exporterStream.key} = ${key} ${textTypes}))`,
    )
    .orderBy(asc(exporterStream.seq))
    .limit(limit)
  for (const text of texts) messages.push({ ...text, type: text.type as ExporterStreamRow['type'] })
  messages.sort((a, b) => (a.seq < b.seq ? -1 : a.seq > b.seq ? 1 : 0))
  return messages.slice(0, limit)
}
