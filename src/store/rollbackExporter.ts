/**
 * Takes back what the exporter indexed above a block, after the chain it followed was reorganised: rows added
 * above the ancestor are deleted, removals above it are undone, the sync's headers above it are forgotten. The
 * stream is told in the same transaction: one `retraction` message listing what was taken back, then each row
 * whose removal was undone, re-sent as it is again (`removed: false`). Stream messages themselves are never
 * deleted: a client replaying from an old cursor sees the orphaned messages followed by their retraction, as a
 * live client did. Messages stored as references to a row this deletes or un-removes are written out as text
 * first (the row will no longer hold them; see `schema/exporter.ts`).
 *
 * Indexes stay deterministic: the deleted rows are exactly the highest indexes (indexes follow chain order), so
 * the rows of the replacing blocks get the indexes an uninterrupted run would have given them.
 */
import { and, eq, gt, isNotNull, lte, type SQL, sql } from 'drizzle-orm'
import type { DrizzleExecutor } from './database.js'
import {
  checksumAddress,
  type ExporterOperatorRow,
  type ExporterValidatorRow,
  operatorEnvelopeJson,
  type RetractedItem,
  type StreamEnvelope,
  validatorEnvelopeJson,
} from './exporterMessages.js'
import {
  appendStream,
  lockExporterStream,
  type StreamAppend,
  type StreamText,
  writeOutStreamReferences,
} from './exporterStreamOutbox.js'
import { selectValidatorRows } from './exporterValidatorRows.js'
import { operatorMessageJson, validatorMessageJson } from './readExporterStream.js'
import { exporterDecided, exporterOperators, exporterSyncBlocks, exporterValidators } from './schema/index.js'

export type RollbackExporterReturnType = {
  /** What the retraction message listed. */
  retracted: RetractedItem[]
  /** Rows whose removal was undone (re-sent on the stream). */
  restored: { operator: number; validator: number }
  /** Seq of the last stream message appended; undefined when nothing above the ancestor was indexed. */
  lastSeq: bigint | undefined
}

/**
 * The highest index of a row added at or below block `above` (−1 when none): rows are indexed in chain order, so
 * every row above it was added above the block. Found by walking the primary key down from the top, past the
 * rows to delete (the few of the orphaned blocks), with no index on `added_block` to maintain on every insert.
 */
function addedUpTo(table: typeof exporterOperators | typeof exporterValidators, above: number): SQL<number> {
  return sql<number>`coalesce((select ${table.index} from ${table} where ${table.addedBlock} <= ${above}
    order by ${table.index} desc limit 1), -1)`
}

/**
 * Rolls the exporter back to `ancestor` (a block number; `undefined`: everything) and forgets `syncName`'s
 * headers above it, in the caller's transaction.
 */
export async function rollbackExporter(
  tx: DrizzleExecutor,
  syncName: string,
  ancestor: bigint | undefined,
): Promise<RollbackExporterReturnType> {
  const above = ancestor === undefined ? -1 : Number(ancestor)
  await lockExporterStream(tx)
  const deletedWhere = (table: typeof exporterOperators | typeof exporterValidators) =>
    gt(table.index, addedUpTo(table, above))
  // `added_block <= above` holds for every row left; written out so a restore never touches a deleted row.
  const restoredWhere = (table: typeof exporterOperators | typeof exporterValidators) =>
    and(isNotNull(table.removedBlock), gt(table.removedBlock, above), lte(table.addedBlock, above))
  const deletedOperators = await tx.select().from(exporterOperators).where(deletedWhere(exporterOperators))
  const deletedValidators = await selectValidatorRows(tx).where(deletedWhere(exporterValidators))
  const restoredOperators = await tx.select().from(exporterOperators).where(restoredWhere(exporterOperators))
  const restoredValidators = await selectValidatorRows(tx).where(restoredWhere(exporterValidators))
  await writeOutReferences(tx, deletedOperators, deletedValidators, restoredOperators, restoredValidators)

  const decided = await tx
    .delete(exporterDecided)
    .where(gt(exporterDecided.blockNumber, above))
    .returning({ taskManager: exporterDecided.taskManager, taskIndex: exporterDecided.taskIndex })
  if (deletedOperators.length > 0) await tx.delete(exporterOperators).where(deletedWhere(exporterOperators))
  if (deletedValidators.length > 0) await tx.delete(exporterValidators).where(deletedWhere(exporterValidators))
  const cleared = {
    removedBlock: null,
    removedTransaction: null,
    removedLogIndex: null,
    removedSeq: null,
  }
  if (restoredOperators.length > 0) {
    await tx.update(exporterOperators).set(cleared).where(restoredWhere(exporterOperators))
  }
  if (restoredValidators.length > 0) {
    await tx.update(exporterValidators).set(cleared).where(restoredWhere(exporterValidators))
  }
  await tx
    .delete(exporterSyncBlocks)
    .where(and(eq(exporterSyncBlocks.syncName, syncName), gt(exporterSyncBlocks.number, BigInt(above))))

  const byIndex = (a: { index: number }, b: { index: number }) => a.index - b.index
  const retracted: RetractedItem[] = [
    ...deletedOperators.sort(byIndex).map((row) => ({ type: 'operator' as const, index: row.index })),
    ...deletedValidators.sort(byIndex).map((row) => ({ type: 'validator' as const, index: row.index })),
    ...decided
      .sort((a, b) =>
        a.taskManager < b.taskManager ? -1 : a.taskManager > b.taskManager ? 1 : a.taskIndex - b.taskIndex,
      )
      .map((row) => ({
        type: 'decided' as const,
        publicKey: checksumAddress(row.taskManager),
        seq_number: row.taskIndex,
      })),
  ]
  const appends: StreamAppend[] = []
  const blockNumber = ancestor === undefined ? null : above
  if (retracted.length > 0) {
    const payload: StreamEnvelope = { type: 'retraction', data: retracted, blockNumber }
    appends.push({ type: 'retraction', key: null, payload: JSON.stringify(payload) })
  }
  // Re-sent as text: the row's seqs stay those of its addition (and of a later removal).
  for (const row of restoredOperators.sort(byIndex)) {
    appends.push({ type: 'operator', key: row.publicKey, payload: operatorEnvelopeJson({ ...row, ...cleared }) })
  }
  for (const row of restoredValidators.sort(byIndex)) {
    appends.push({ type: 'validator', key: row.publicKey, payload: validatorEnvelopeJson({ ...row, ...cleared }) })
  }
  return {
    retracted,
    restored: { operator: restoredOperators.length, validator: restoredValidators.length },
    lastSeq: await appendStream(tx, appends),
  }
}

/**
 * Writes the text of every message stored by reference to a row about to be deleted (its addition and removal)
 * or un-removed (its removal) into the outbox, with its key.
 */
function writeOutReferences(
  tx: DrizzleExecutor,
  deletedOperators: readonly ExporterOperatorRow[],
  deletedValidators: readonly ExporterValidatorRow[],
  restoredOperators: readonly ExporterOperatorRow[],
  restoredValidators: readonly ExporterValidatorRow[],
): Promise<void> {
  const texts: StreamText[] = []
  const add = <row extends ExporterOperatorRow | ExporterValidatorRow>(
    type: 'operator' | 'validator',
    row: row,
    seq: number | null,
    json: (row: row, seq: bigint) => string,
  ) => {
    if (seq === null) return
    texts.push({ seq: BigInt(seq), type, key: row.publicKey, payload: json(row, BigInt(seq)) })
  }
  for (const row of deletedOperators) {
    add('operator', row, row.addedSeq, operatorMessageJson)
    add('operator', row, row.removedSeq, operatorMessageJson)
  }
  for (const row of deletedValidators) {
    add('validator', row, row.addedSeq, validatorMessageJson)
    add('validator', row, row.removedSeq, validatorMessageJson)
  }
  for (const row of restoredOperators) add('operator', row, row.removedSeq, operatorMessageJson)
  for (const row of restoredValidators) add('validator', row, row.removedSeq, validatorMessageJson)
  return writeOutStreamReferences(tx, texts)
}
