/**
 * Writes a batch of decoded exporter events: rows, removals and their stream messages, in a handful of statements
 * whatever the batch size (the backfill writes 10,000-event batches; DESIGN.md: batched writes, never row by row).
 *
 * 1. One read: the stream lock, the highest operator and validator indexes, and only when the batch needs them,
 *    the stored rows it removes and the public keys of operators its validators name.
 * 2. The batch is folded in memory, in chain order: each addition gets `max + 1`; a removal of a row added in the
 *    same batch marks that pending row; each change yields its stream message, built from the row as it is at
 *    that point (an addition and its removal in one batch are two messages).
 * 3. One write: a statement whose CTEs insert operators, validators and decided rows, update removed rows, append
 *    the stream messages and `pg_notify` the last seq. Each table's rows travel as one JSON parameter read with
 *    `json_to_recordset`: validators and certificates carry arrays of differing lengths, which `unnest` of a
 *    two-dimensional array cannot express, and the statement keeps a fixed, small number of parameters.
 *
 * The caller's transaction (or one opened here) makes rows, messages and notification atomic.
 */
import { is, type SQL, sql } from 'drizzle-orm'
import { PgTransaction } from 'drizzle-orm/pg-core'
import type { Hex } from 'viem'
import type { ExporterEvent, TaskCertificate } from '../exporter/events.js'
import type { DrizzleExecutor } from './database.js'
import {
  insertDecidedSql,
  insertOperatorsSql,
  insertValidatorsSql,
  markRemovedSql,
  type Removal,
} from './exporterInsertStatements.js'
import {
  decidedEnvelopeJson,
  type ExporterDecidedRow,
  type ExporterOperatorRow,
  type ExporterValidatorRow,
  operatorEnvelopeJson,
  validatorEnvelopeJson,
} from './exporterMessages.js'
import { lockExporterStream, notifyAppendedSql, type StreamAppend, streamInsertSql } from './exporterStreamOutbox.js'
import { exporterWriteError } from './exporterWriteError.js'
import { exporterOperators, exporterValidators } from './schema/index.js'

export type ApplyExporterEventsReturnType = {
  /** Seq of the last stream message appended; undefined when the batch changed nothing. */
  lastSeq: bigint | undefined
  /** Rows added, by type. */
  added: { operator: number; validator: number; decided: number }
  /** Rows marked removed, by type. */
  removed: { operator: number; validator: number }
  /**
   * Removals of rows the exporter never indexed (added before the block it started from, or already removed):
   * nothing to mark. The caller decides whether that deserves a warning.
   */
  unknownRemovals: Extract<ExporterEvent, { type: 'OperatorRemoved' | 'ValidatorRemoved' }>[]
}

/** Runs `fn` in the caller's transaction, or in a new one when given the database itself. */
export function inExporterTransaction<T>(db: DrizzleExecutor, fn: (tx: DrizzleExecutor) => Promise<T>): Promise<T> {
  return is(db, PgTransaction) ? fn(db) : db.transaction(fn)
}

/** Stores `events` (in chain order: block, then log index) with their stream messages; see the module comment. */
export function applyExporterEvents(
  db: DrizzleExecutor,
  events: readonly ExporterEvent[],
): Promise<ApplyExporterEventsReturnType> {
  const result: ApplyExporterEventsReturnType = {
    lastSeq: undefined,
    added: { operator: 0, validator: 0, decided: 0 },
    removed: { operator: 0, validator: 0 },
    unknownRemovals: [],
  }
  if (events.length === 0) return Promise.resolve(result)
  const ordered = inChainOrder(events)
  const write = inExporterTransaction(db, async (tx) => {
    const stored = await readWhatTheBatchNeeds(tx, ordered)
    const newOperators: ExporterOperatorRow[] = []
    const newValidators: ExporterValidatorRow[] = []
    const newDecided: ExporterDecidedRow[] = []
    const operatorRemovals: Removal[] = []
    const validatorRemovals: Removal[] = []
    const appends: StreamAppend[] = []
    const liveOperators = new Map<string, ExporterOperatorRow>(stored.removedOperators.map((r) => [r.operatorId, r]))
    const liveValidators = new Map<string, ExporterValidatorRow>(stored.removedValidators.map((r) => [r.publicKey, r]))
    const operatorKeys = stored.operatorKeys
    let operatorIndex = stored.maxOperatorIndex
    let validatorIndex = stored.maxValidatorIndex

    for (const event of ordered) {
      const at = event.location
      const block = Number(at.blockNumber)
      switch (event.type) {
        case 'OperatorAdded': {
          const row: ExporterOperatorRow = {
            index: ++operatorIndex,
            operatorId: event.operatorId.toString(),
            owner: event.owner.toLowerCase(),
            publicKey: event.publicKey.toLowerCase(),
            fee: event.fee.toString(),
            addedBlock: block,
            addedBlockHash: at.blockHash,
            addedTransaction: at.transactionHash,
            addedLogIndex: at.logIndex,
            removedBlock: null,
            removedBlockHash: null,
            removedTransaction: null,
            removedLogIndex: null,
          }
          newOperators.push(row)
          liveOperators.set(row.operatorId, row)
          operatorKeys.set(row.operatorId, row.publicKey)
          appends.push({ type: 'operator', key: row.publicKey, payload: operatorEnvelopeJson(row), blockNumber: block })
          break
        }
        case 'ValidatorAdded': {
          const operatorIds = event.operatorIds.map((id) => id.toString())
          const row: ExporterValidatorRow = {
            index: ++validatorIndex,
            publicKey: event.publicKey.toLowerCase(),
            owner: event.owner.toLowerCase(),
            operatorIds,
            operatorPublicKeys: operatorIds.map((id) => operatorKeys.get(id) ?? null) as string[],
            addedBlock: block,
            addedBlockHash: at.blockHash,
            addedTransaction: at.transactionHash,
            addedLogIndex: at.logIndex,
            removedBlock: null,
            removedBlockHash: null,
            removedTransaction: null,
            removedLogIndex: null,
          }
          newValidators.push(row)
          liveValidators.set(row.publicKey, row)
          appends.push({
            type: 'validator',
            key: row.publicKey,
            payload: validatorEnvelopeJson(row),
            blockNumber: block,
          })
          break
        }
        case 'OperatorRemoved':
        case 'ValidatorRemoved': {
          const operator = event.type === 'OperatorRemoved'
          const key = operator ? event.operatorId.toString() : event.publicKey.toLowerCase()
          const row = operator ? liveOperators.get(key) : liveValidators.get(key)
          if (!row) {
            result.unknownRemovals.push(event)
            break
          }
          ;(operator ? liveOperators : liveValidators).delete(key)
          Object.assign(row, removedAt(at))
          // Rows added in this batch are inserted already removed; stored ones are updated.
          const pending = row.index > (operator ? stored.maxOperatorIndex : stored.maxValidatorIndex)
          if (!pending) {
            ;(operator ? operatorRemovals : validatorRemovals).push({
              index: row.index,
              block,
              blockHash: at.blockHash,
              transaction: at.transactionHash,
              logIndex: at.logIndex,
            })
          }
          appends.push(
            operator
              ? {
                  type: 'operator',
                  key: row.publicKey,
                  payload: operatorEnvelopeJson(row as ExporterOperatorRow),
                  blockNumber: block,
                }
              : {
                  type: 'validator',
                  key: row.publicKey,
                  payload: validatorEnvelopeJson(row as ExporterValidatorRow),
                  blockNumber: block,
                },
          )
          break
        }
        case 'TaskDecided': {
          const row = decidedRow(event)
          newDecided.push(row)
          appends.push({ type: 'decided', key: row.taskManager, payload: decidedEnvelopeJson(row), blockNumber: block })
          break
        }
      }
    }

    result.added = { operator: newOperators.length, validator: newValidators.length, decided: newDecided.length }
    result.removed = { operator: operatorRemovals.length, validator: validatorRemovals.length }
    for (const row of newOperators) if (row.removedBlock !== null) result.removed.operator++
    for (const row of newValidators) if (row.removedBlock !== null) result.removed.validator++
    if (appends.length === 0) return result

    const ctes: SQL[] = []
    if (newOperators.length > 0) ctes.push(sql`inserted_operators as (${insertOperatorsSql(newOperators)})`)
    if (newValidators.length > 0) ctes.push(sql`inserted_validators as (${insertValidatorsSql(newValidators)})`)
    if (newDecided.length > 0) ctes.push(sql`inserted_decided as (${insertDecidedSql(newDecided)})`)
    if (operatorRemovals.length > 0)
      ctes.push(sql`removed_operators as (${markRemovedSql('exporter_operators', operatorRemovals)})`)
    if (validatorRemovals.length > 0)
      ctes.push(sql`removed_validators as (${markRemovedSql('exporter_validators', validatorRemovals)})`)
    ctes.push(sql`appended as (${streamInsertSql(appends)})`)
    const written = (await tx.execute(sql`with ${sql.join(ctes, sql`, `)} ${notifyAppendedSql}`)) as unknown as {
      rows: { last_seq: string }[]
    }
    result.lastSeq = BigInt(written.rows[0]?.last_seq as string)
    return result
  })
  return write.catch((err) => {
    throw exporterWriteError(`store ${events.length} exporter events`, err)
  })
}

function removedAt(at: ExporterEvent['location']) {
  return {
    removedBlock: Number(at.blockNumber),
    removedBlockHash: at.blockHash,
    removedTransaction: at.transactionHash,
    removedLogIndex: at.logIndex,
  }
}

/** `events` sorted by (block, log index); the same array when it already is (the indexer's normal case). */
function inChainOrder(events: readonly ExporterEvent[]): readonly ExporterEvent[] {
  const before = (a: ExporterEvent, b: ExporterEvent) =>
    a.location.blockNumber < b.location.blockNumber ||
    (a.location.blockNumber === b.location.blockNumber && a.location.logIndex < b.location.logIndex)
  for (let i = 1; i < events.length; i++) {
    if (before(events[i] as ExporterEvent, events[i - 1] as ExporterEvent)) {
      return [...events].sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0))
    }
  }
  return events
}

/** σ as 0x ‖ X ‖ Y, 32 bytes each, from the certificate's decimal coordinates. */
export function signatureHex(certificate: TaskCertificate | null): Hex | null {
  if (!certificate) return null
  const word = (value: string) => BigInt(value).toString(16).padStart(64, '0')
  return `0x${word(certificate.sigma.X)}${word(certificate.sigma.Y)}`
}

function decidedRow(event: Extract<ExporterEvent, { type: 'TaskDecided' }>): ExporterDecidedRow {
  return {
    taskManager: event.taskManager.toLowerCase(),
    taskIndex: event.taskIndex,
    result: event.result,
    signerIds: event.signerOperatorIds,
    nonSignerIds: event.nonSignerOperatorIds,
    quorumNumbers: event.quorumNumbers,
    quorumThresholdPercentage: event.quorumThresholdPercentage,
    referenceBlock: event.taskCreatedBlock,
    respondedBlock: event.taskRespondedBlock,
    hashOfNonSigners: event.hashOfNonSigners,
    signature: signatureHex(event.certificate),
    certificate: event.certificate,
    blockNumber: Number(event.location.blockNumber),
    blockHash: event.location.blockHash,
    transactionHash: event.location.transactionHash,
    logIndex: event.location.logIndex,
  }
}

type StoredForBatch = {
  maxOperatorIndex: number
  maxValidatorIndex: number
  /** Operator id → public key, for the operators the batch's validators name. */
  operatorKeys: Map<string, string | null>
  /** Live stored rows the batch removes. */
  removedOperators: ExporterOperatorRow[]
  removedValidators: ExporterValidatorRow[]
}

async function readWhatTheBatchNeeds(tx: DrizzleExecutor, events: readonly ExporterEvent[]): Promise<StoredForBatch> {
  const namedOperators = new Set<string>()
  const addedOperators = new Set<string>()
  const removedOperatorIds = new Set<string>()
  const removedValidatorKeys = new Set<string>()
  for (const event of events) {
    if (event.type === 'OperatorAdded') addedOperators.add(event.operatorId.toString())
    else if (event.type === 'ValidatorAdded') for (const id of event.operatorIds) namedOperators.add(id.toString())
    else if (event.type === 'OperatorRemoved') removedOperatorIds.add(event.operatorId.toString())
    else if (event.type === 'ValidatorRemoved') removedValidatorKeys.add(event.publicKey.toLowerCase())
  }
  for (const id of addedOperators) namedOperators.delete(id)

  // The lock first, in its own statement: a statement that waited for it inside would read with the snapshot it
  // took before waiting.
  await lockExporterStream(tx)
  const maxima = await tx.execute(sql`select (select coalesce(max(index), -1) from exporter_operators) as operators,
    (select coalesce(max(index), -1) from exporter_validators) as validators`)
  const keys =
    namedOperators.size === 0
      ? undefined
      : await tx.execute(sql`select operator_id, public_key from exporter_operators
          where operator_id = any(${sql.param([...namedOperators])}::numeric[])`)
  const removedOperators =
    removedOperatorIds.size === 0
      ? []
      : await tx
          .select()
          .from(exporterOperators)
          .where(
            sql`${exporterOperators.operatorId} = any(${sql.param([...removedOperatorIds])}::numeric[])
              and ${exporterOperators.removedBlock} is null`,
          )
  const removedValidators =
    removedValidatorKeys.size === 0
      ? []
      : await tx
          .select()
          .from(exporterValidators)
          .where(
            sql`${exporterValidators.publicKey} = any(${sql.param([...removedValidatorKeys])}::text[])
              and ${exporterValidators.removedBlock} is null`,
          )
  const rowsOf = <T>(result: unknown) => (result as { rows: T[] } | undefined)?.rows ?? []
  const [max] = rowsOf<{ operators: number | string; validators: number | string }>(maxima)
  return {
    maxOperatorIndex: Number(max?.operators ?? -1),
    maxValidatorIndex: Number(max?.validators ?? -1),
    operatorKeys: new Map(
      rowsOf<{ operator_id: string; public_key: string }>(keys).map((r) => [r.operator_id, r.public_key]),
    ),
    removedOperators,
    removedValidators,
  }
}
