/**
 * Takes back what the exporter indexed above a block, after the chain it followed was reorganised: rows added
 * above the ancestor are deleted, removals above it are undone, the sync's headers above it are forgotten. The
 * stream is told in the same transaction: one `retraction` message listing what was taken back, then each row
 * whose removal was undone, re-sent as it is again (`removed: false`). Stream messages themselves are never
 * deleted: a client replaying from an old cursor sees the orphaned messages followed by their retraction, as a
 * live client did.
 *
 * Indexes stay deterministic: the deleted rows are exactly the highest indexes (indexes follow chain order), so
 * the rows of the replacing blocks get the indexes an uninterrupted run would have given them.
 */
import { and, eq, gt, isNotNull, lte } from 'drizzle-orm'
import type { DrizzleExecutor } from './database.js'
import {
  checksumAddress,
  operatorEnvelopeJson,
  type RetractedItem,
  type StreamEnvelope,
  validatorEnvelopeJson,
} from './exporterMessages.js'
import { appendStream, lockExporterStream, type StreamAppend } from './exporterStreamOutbox.js'
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
  const operators = await tx
    .delete(exporterOperators)
    .where(gt(exporterOperators.addedBlock, above))
    .returning({ index: exporterOperators.index })
  const validators = await tx
    .delete(exporterValidators)
    .where(gt(exporterValidators.addedBlock, above))
    .returning({ index: exporterValidators.index })
  const decided = await tx
    .delete(exporterDecided)
    .where(gt(exporterDecided.blockNumber, above))
    .returning({ taskManager: exporterDecided.taskManager, taskIndex: exporterDecided.taskIndex })
  const cleared = {
    removedBlock: null,
    removedBlockHash: null,
    removedTransaction: null,
    removedLogIndex: null,
  }
  // `added_block <= above` holds for every row left; written out so the statement never touches a deleted row.
  const restoredOperators = await tx
    .update(exporterOperators)
    .set(cleared)
    .where(
      and(
        isNotNull(exporterOperators.removedBlock),
        gt(exporterOperators.removedBlock, above),
        lte(exporterOperators.addedBlock, above),
      ),
    )
    .returning()
  const restoredValidators = await tx
    .update(exporterValidators)
    .set(cleared)
    .where(
      and(
        isNotNull(exporterValidators.removedBlock),
        gt(exporterValidators.removedBlock, above),
        lte(exporterValidators.addedBlock, above),
      ),
    )
    .returning()
  await tx
    .delete(exporterSyncBlocks)
    .where(and(eq(exporterSyncBlocks.syncName, syncName), gt(exporterSyncBlocks.number, BigInt(above))))

  const byIndex = (a: { index: number }, b: { index: number }) => a.index - b.index
  const retracted: RetractedItem[] = [
    ...operators.sort(byIndex).map((row) => ({ type: 'operator' as const, index: row.index })),
    ...validators.sort(byIndex).map((row) => ({ type: 'validator' as const, index: row.index })),
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
    appends.push({ type: 'retraction', key: null, payload: JSON.stringify(payload), blockNumber })
  }
  for (const row of restoredOperators.sort(byIndex)) {
    appends.push({
      type: 'operator',
      key: row.publicKey,
      payload: operatorEnvelopeJson(row),
      blockNumber: row.addedBlock,
    })
  }
  for (const row of restoredValidators.sort(byIndex)) {
    appends.push({
      type: 'validator',
      key: row.publicKey,
      payload: validatorEnvelopeJson(row),
      blockNumber: row.addedBlock,
    })
  }
  return {
    retracted,
    restored: { operator: restoredOperators.length, validator: restoredValidators.length },
    lastSeq: await appendStream(tx, appends),
  }
}
