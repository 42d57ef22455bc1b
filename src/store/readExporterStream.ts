/**
 * Reading the stream outbox: messages after a seq, in seq order, each as its exact JSON text. A message stored by
 * reference is built here from the row it refers to, with the same functions `/query` uses: the row's
 * `added_seq` equal to the message's seq makes it the row as added (`removed: false`, the adding log's block and
 * transaction), `removed_seq` the row as removed. One query joins each page to its rows (by primary key).
 */
import { and, asc, eq, gt, isNull, or, type SQL, sql } from 'drizzle-orm'
import { BaseError } from '../core/errors.js'
import type { DrizzleExecutor } from './database.js'
import {
  type ExporterMessageType,
  type ExporterOperatorRow,
  type ExporterValidatorRow,
  operatorEnvelopeJson,
  validatorEnvelopeJson,
} from './exporterMessages.js'
import { operatorPublicKeysSql } from './exporterValidatorRows.js'
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
    return { ...row, removedBlock: null, removedTransaction: null, removedLogIndex: null, removedSeq: null }
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

/** Stream messages after a seq, in seq order, with their JSON text. */
export async function readExporterStream(
  db: DrizzleExecutor,
  { after, limit, types, key }: ReadExporterStreamParameters,
): Promise<ExporterStreamRow[]> {
  const filters: (SQL | undefined)[] = [gt(exporterStream.seq, after)]
  if (types !== undefined) {
    filters.push(
      or(sql`${exporterStream.type} = any(${sql.param([...types])}::text[])`, eq(exporterStream.type, 'retraction')),
    )
  }
  if (key !== undefined) {
    filters.push(
      or(
        eq(exporterStream.type, 'retraction'),
        sql`coalesce(${exporterStream.key}, ${exporterOperators.publicKey}, ${exporterValidators.publicKey}) = ${key.toLowerCase()}`,
      ),
    )
  }
  const rows = await db
    .select({
      seq: exporterStream.seq,
      type: exporterStream.type,
      key: exporterStream.key,
      payload: sql<string | null>`${exporterStream.payload}::text`,
      operator: exporterOperators,
      validator: exporterValidators,
      operatorPublicKeys: operatorPublicKeysSql,
    })
    .from(exporterStream)
    .leftJoin(
      exporterOperators,
      and(
        isNull(exporterStream.payload),
        eq(exporterStream.type, 'operator'),
        eq(exporterOperators.index, exporterStream.ref),
      ),
    )
    .leftJoin(
      exporterValidators,
      and(
        isNull(exporterStream.payload),
        eq(exporterStream.type, 'validator'),
        eq(exporterValidators.index, exporterStream.ref),
      ),
    )
    .where(and(...filters))
    .orderBy(asc(exporterStream.seq))
    .limit(limit)
  return rows.map((row): ExporterStreamRow => {
    const type = row.type as ExporterStreamRow['type']
    if (row.payload !== null) return { seq: row.seq, type, key: row.key, payload: row.payload }
    if (row.operator) {
      return { seq: row.seq, type, key: row.operator.publicKey, payload: operatorMessageJson(row.operator, row.seq) }
    }
    if (row.validator) {
      const validator = { ...row.validator, operatorPublicKeys: row.operatorPublicKeys }
      return { seq: row.seq, type, key: validator.publicKey, payload: validatorMessageJson(validator, row.seq) }
    }
    throw new ExporterStreamReferenceError(`stream message ${row.seq} (${type}) refers to a row that is gone`)
  })
}
