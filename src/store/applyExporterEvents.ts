/**
 * Writes a batch of decoded exporter events: rows, removals and their stream messages, in a handful of statements
 * whatever the batch size (the backfill writes batches of thousands of events; DESIGN.md: batched writes, never
 * row by row).
 *
 * 1. One read after the stream lock: the highest operator and validator indexes and stream seq (the batch's
 *    `ExporterCounters`), and only when the batch has removals, the indexes of the stored live rows it removes.
 * 2. The batch is folded in memory into an `ExporterWritePlan`, in chain order: each addition gets `max + 1`, each
 *    change the next seq; a removal of a row added in the same batch marks that pending row. Operator and
 *    validator messages are stored as references to their row (its `added_seq` or `removed_seq` is the message's
 *    seq, see `schema/exporter.ts`); decided messages as their JSON text.
 * 3. One write: validators by COPY (`transactionConnection.ts`: far less CPU per row), sent together with a
 *    statement whose CTEs insert operators and decided rows, update removed rows, append the stream messages and
 *    `pg_notify` the last seq.
 *
 * A writer that knows the counters already (the one writer, fenced, that wrote the batch before) may fold a batch
 * without removals before its transaction, while earlier batches commit (`planExporterEventsAhead`), and then
 * send the whole transaction at once (`applyExporterWritePlan`): the database does not wait for the fold between
 * the read and the write. The transaction still reads the counters, and rolls back a plan made on others.
 *
 * The caller's transaction (or one opened here) makes rows, messages and notification atomic.
 */
import { is, type SQL, sql } from 'drizzle-orm'
import { PgTransaction } from 'drizzle-orm/pg-core'
import type { Hex } from 'viem'
import { BaseError } from '../core/errors.js'
import type { DrizzleExecutor } from './database.js'
import type { ExporterEvent, TaskCertificate } from './exporterEvents.js'
import {
  insertDecidedSql,
  insertOperatorsSql,
  markRemovedSql,
  type NewValidatorRow,
  type Removal,
  validatorCopyColumns,
  validatorsCopyBinary,
} from './exporterInsertStatements.js'
import { decidedEnvelopeJson, type ExporterDecidedRow, type ExporterOperatorRow } from './exporterMessages.js'
import {
  lockExporterStream,
  lockExporterStreamSql,
  type StreamAppend,
  streamAppendSql,
  streamHeadSql,
} from './exporterStreamOutbox.js'
import { exporterWriteError } from './exporterWriteError.js'
import { pipelined } from './pipelined.js'
import { type TransactionConnection, transactionConnection } from './transactionConnection.js'

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
  /** The counters after the batch, what the next one continues from; undefined for no events (nothing was read). */
  after: ExporterCounters | undefined
}

/** The highest operator and validator indexes (-1: none) and the stream head (0: empty) a batch continues from. */
export type ExporterCounters = { operators: number; validators: number; seq: bigint }

/** A folded batch: the rows and messages to write, what they change, and the counters after them. */
export type ExporterWritePlan = {
  events: number
  /** The counters the plan continues from. */
  before: ExporterCounters
  result: ApplyExporterEventsReturnType
  newOperators: ExporterOperatorRow[]
  /** The new validators in COPY's binary format (`validatorsCopyBinary`), if any. */
  validatorsCopy: Uint8Array | undefined
  newDecided: ExporterDecidedRow[]
  operatorRemovals: Removal[]
  validatorRemovals: Removal[]
  appends: StreamAppend[]
  firstSeq: bigint
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
  if (events.length === 0) return Promise.resolve(emptyResult(undefined))
  const ordered = inChainOrder(events)
  const write = inExporterTransaction(db, async (tx) => {
    const plan = planExporterEvents(ordered, await readWhatTheBatchNeeds(tx, ordered))
    await writePlan(transactionConnection(tx), plan)
    return plan.result
  })
  return write.catch((err) => {
    throw exporterWriteError(`store ${events.length} exporter events`, err)
  })
}

/**
 * The plan of `events` continuing from `counters`, made outside any transaction; undefined when the batch removes
 * rows (the fold needs the stored rows it removes: `applyExporterEvents` reads them).
 */
export function planExporterEventsAhead(
  events: readonly ExporterEvent[],
  counters: ExporterCounters,
): ExporterWritePlan | undefined {
  for (const event of events) {
    if (event.type === 'OperatorRemoved' || event.type === 'ValidatorRemoved') return undefined
  }
  return planExporterEvents(inChainOrder(events), {
    ...counters,
    removals: false,
    liveOperators: [],
    liveValidators: [],
  })
}

/**
 * Writes a plan from `planExporterEventsAhead`, in the caller's transaction or a new one. The stream lock, the read
 * of the counters and the write are sent together; the counters read must be those the plan continues from, or
 * the write is rolled back with the transaction.
 */
export function applyExporterWritePlan(
  db: DrizzleExecutor,
  plan: ExporterWritePlan,
): Promise<ApplyExporterEventsReturnType> {
  const write = inExporterTransaction(db, async (tx) => {
    // On the transaction's connection, each sent when called: the lock, the read, then the write. The read's check
    // comes first in `pipelined`'s order, so stale counters are reported as such, not as the write's conflict.
    const connection = transactionConnection(tx)
    await pipelined(
      [
        () => connection.execute(lockExporterStreamSql),
        () =>
          connection.execute<CountersRow>(exporterCountersSql).then((rows) => assertPlannedOn(toCounters(rows), plan)),
        () => writePlan(connection, plan),
      ],
      tx,
    )
    return plan.result
  })
  return write.catch((err) => {
    throw exporterWriteError(`store ${plan.events} exporter events`, err)
  })
}

function assertPlannedOn(stored: ExporterCounters, plan: ExporterWritePlan): void {
  const { before } = plan
  if (stored.operators === before.operators && stored.validators === before.validators && stored.seq === before.seq)
    return
  throw new BaseError('the batch was planned on counters the database no longer holds', {
    metaMessages: [`planned on: ${countersText(before)}`, `stored: ${countersText(stored)}`],
  })
}

const countersText = (c: ExporterCounters) => `operator ${c.operators}, validator ${c.validators}, seq ${c.seq}`

function emptyResult(counters: ExporterCounters | undefined): ApplyExporterEventsReturnType {
  return {
    lastSeq: undefined,
    added: { operator: 0, validator: 0, decided: 0 },
    removed: { operator: 0, validator: 0 },
    unknownRemovals: [],
    after: counters,
  }
}

/** The fold (see the module comment): `events` in chain order, on what the database holds before them. */
function planExporterEvents(events: readonly ExporterEvent[], stored: StoredForBatch): ExporterWritePlan {
  const result = emptyResult(undefined)
  const newOperators: ExporterOperatorRow[] = []
  const newValidators: NewValidatorRow[] = []
  const newDecided: ExporterDecidedRow[] = []
  const operatorRemovals: Removal[] = []
  const validatorRemovals: Removal[] = []
  const appends: StreamAppend[] = []
  // Live rows by operator id / validator public key: a stored row's index, or the pending row itself.
  const liveOperators = new Map<string, number | ExporterOperatorRow>(stored.liveOperators)
  const liveValidators = new Map<string, number | NewValidatorRow>(stored.liveValidators)
  let operatorIndex = stored.operators
  let validatorIndex = stored.validators
  const firstSeq = stored.seq + 1n
  let seq = Number(stored.seq)

  for (const event of events) {
    const at = event.location
    switch (event.type) {
      case 'OperatorAdded': {
        const row: ExporterOperatorRow = {
          index: ++operatorIndex,
          operatorId: event.operatorId.toString(),
          owner: event.owner.toLowerCase(),
          publicKey: event.publicKey.toLowerCase(),
          fee: event.fee.toString(),
          ...added(at, ++seq),
        }
        newOperators.push(row)
        if (stored.removals) liveOperators.set(row.operatorId, row)
        appends.push({ type: 'operator', ref: row.index })
        break
      }
      case 'ValidatorAdded': {
        // One literal with every field (no spread): this runs for every validator of a backfill.
        const row: NewValidatorRow = {
          index: ++validatorIndex,
          publicKey: event.publicKey.toLowerCase(),
          owner: event.owner.toLowerCase(),
          operatorIds: event.operatorIds.map(String),
          addedBlock: Number(at.blockNumber),
          addedTransaction: at.transactionHash,
          addedLogIndex: at.logIndex,
          addedSeq: ++seq,
          removedBlock: null,
          removedTransaction: null,
          removedLogIndex: null,
          removedSeq: null,
        }
        newValidators.push(row)
        // Only a removal later in the batch looks a pending row up.
        if (stored.removals) liveValidators.set(row.publicKey, row)
        appends.push({ type: 'validator', ref: row.index })
        break
      }
      case 'OperatorRemoved':
      case 'ValidatorRemoved': {
        const operator = event.type === 'OperatorRemoved'
        const live = operator ? liveOperators : liveValidators
        const key = operator ? event.operatorId.toString() : event.publicKey.toLowerCase()
        const row = live.get(key)
        if (row === undefined) {
          result.unknownRemovals.push(event)
          break
        }
        live.delete(key)
        const removal: Removal = {
          index: typeof row === 'number' ? row : row.index,
          block: Number(at.blockNumber),
          transaction: at.transactionHash,
          logIndex: at.logIndex,
          seq: ++seq,
        }
        if (typeof row === 'number') {
          // A stored row: updated.
          ;(operator ? operatorRemovals : validatorRemovals).push(removal)
        } else {
          // A row added in this batch: inserted already removed.
          row.removedBlock = removal.block
          row.removedTransaction = removal.transaction
          row.removedLogIndex = removal.logIndex
          row.removedSeq = removal.seq
        }
        if (operator) result.removed.operator++
        else result.removed.validator++
        appends.push({ type: operator ? 'operator' : 'validator', ref: removal.index })
        break
      }
      case 'TaskDecided': {
        const row = decidedRow(event)
        newDecided.push(row)
        seq++
        appends.push({ type: 'decided', key: row.taskManager, payload: decidedEnvelopeJson(row) })
        break
      }
    }
  }

  result.added = { operator: newOperators.length, validator: newValidators.length, decided: newDecided.length }
  if (appends.length > 0) result.lastSeq = BigInt(seq)
  result.after = { operators: operatorIndex, validators: validatorIndex, seq: BigInt(seq) }
  return {
    events: events.length,
    before: { operators: stored.operators, validators: stored.validators, seq: stored.seq },
    result,
    newOperators,
    validatorsCopy: newValidators.length > 0 ? validatorsCopyBinary(newValidators) : undefined,
    newDecided,
    operatorRemovals,
    validatorRemovals,
    appends,
    firstSeq,
  }
}

/** Sends a plan's COPY and statement on `connection`, in that order (after the stream lock, taken or sent before). */
async function writePlan(connection: TransactionConnection, plan: ExporterWritePlan): Promise<void> {
  if (plan.appends.length === 0) return
  const stream = streamAppendSql(plan.appends, plan.firstSeq)
  const ctes: SQL[] = []
  if (plan.newOperators.length > 0) ctes.push(sql`inserted_operators as (${insertOperatorsSql(plan.newOperators)})`)
  if (plan.newDecided.length > 0) ctes.push(sql`inserted_decided as (${insertDecidedSql(plan.newDecided)})`)
  if (plan.operatorRemovals.length > 0)
    ctes.push(sql`removed_operators as (${markRemovedSql('exporter_operators', plan.operatorRemovals)})`)
  if (plan.validatorRemovals.length > 0)
    ctes.push(sql`removed_validators as (${markRemovedSql('exporter_validators', plan.validatorRemovals)})`)
  ctes.push(...stream.ctes)
  // The connection sends in call order (and in turn where the driver must).
  await pipelined([
    () => plan.validatorsCopy && connection.copyFrom('exporter_validators', validatorCopyColumns, plan.validatorsCopy),
    () => connection.execute(sql`with ${sql.join(ctes, sql`, `)} ${stream.notify}`),
  ])
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

type StoredForBatch = ExporterCounters & {
  /** Whether the batch removes anything. */
  removals: boolean
  /** Index of each live stored row the batch removes, by operator id / validator public key. */
  liveOperators: [string, number][]
  liveValidators: [string, number][]
}

async function readWhatTheBatchNeeds(tx: DrizzleExecutor, events: readonly ExporterEvent[]): Promise<StoredForBatch> {
  const removedOperatorIds = new Set<string>()
  const removedValidatorKeys = new Set<string>()
  for (const event of events) {
    if (event.type === 'OperatorRemoved') removedOperatorIds.add(event.operatorId.toString())
    else if (event.type === 'ValidatorRemoved') removedValidatorKeys.add(event.publicKey.toLowerCase())
  }

  // The lock first, in its own statement: a statement that waited for it inside would read with the snapshot it
  // took before waiting. The reads are sent right behind it and run after it.
  const [, counters, operators, validators] = await pipelined(
    [
      () => lockExporterStream(tx),
      () => readExporterCounters(tx),
      () =>
        removedOperatorIds.size === 0
          ? undefined
          : tx.execute(sql`select operator_id::text as key, index from exporter_operators
          where operator_id = any(${sql.param([...removedOperatorIds])}::numeric[]) and removed_block is null`),
      () =>
        removedValidatorKeys.size === 0
          ? undefined
          : tx.execute(sql`select public_key as key, index from exporter_validators
          where public_key = any(${sql.param([...removedValidatorKeys])}::text[]) and removed_block is null`),
    ],
    tx,
  )
  const entries = (result: unknown) =>
    rowsOf<{ key: string; index: number | string }>(result).map((r): [string, number] => [r.key, Number(r.index)])
  return {
    ...counters,
    removals: removedOperatorIds.size + removedValidatorKeys.size > 0,
    liveOperators: entries(operators),
    liveValidators: entries(validators),
  }
}

const rowsOf = <T>(result: unknown) => (result as { rows: T[] } | undefined)?.rows ?? []

const exporterCountersSql = sql`select (select coalesce(max(index), -1) from exporter_operators) as operators,
  (select coalesce(max(index), -1) from exporter_validators) as validators, ${streamHeadSql}::text as seq`

type CountersRow = { operators: number | string; validators: number | string; seq: string }

function toCounters([row]: CountersRow[]): ExporterCounters {
  return {
    operators: Number(row?.operators ?? -1),
    validators: Number(row?.validators ?? -1),
    seq: BigInt(row?.seq ?? '0'),
  }
}

/** The counters the next batch continues from (read them after `lockExporterStream`, in a statement of their own). */
async function readExporterCounters(db: DrizzleExecutor): Promise<ExporterCounters> {
  return toCounters(rowsOf<CountersRow>(await db.execute(exporterCountersSql)))
}

/** The columns of a row the log at `at` just added (stream message `seq`), not removed. */
function added(at: ExporterEvent['location'], seq: number) {
  return {
    addedBlock: Number(at.blockNumber),
    addedTransaction: at.transactionHash,
    addedLogIndex: at.logIndex,
    addedSeq: seq,
    removedBlock: null,
    removedTransaction: null,
    removedLogIndex: null,
    removedSeq: null,
  }
}
