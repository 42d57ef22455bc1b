/**
 * A `LogSyncTarget` that keeps everything in memory, for log sync tests: the committed logs and headers, every
 * batch and rollback in order, and commits in flight. It checks what a database target relies on: batches arrive
 * one at a time, each starting right after the previous checkpoint (or the rollback's ancestor). `beforeCommit`
 * lets a test slow a commit down, fail it, or abort the sync in the middle of one.
 */
import type { BlockRef, LogBatch, LogRecord, LogSyncTarget } from '../../src/chain/logSync/index.js'

export type MemoryLogSyncTarget = LogSyncTarget & {
  readonly logs: LogRecord[]
  readonly blocks: BlockRef[]
  readonly batches: LogBatch[]
  readonly rollbacks: (BlockRef | undefined)[]
  /** Commits started and not finished. */
  readonly inFlight: number
  /** The last committed block, if any. */
  readonly checkpoint: bigint | undefined
  beforeCommit: ((batch: LogBatch) => Promise<void> | void) | undefined
}

export function createMemoryLogSyncTarget(): MemoryLogSyncTarget {
  const logs: LogRecord[] = []
  const blocks: BlockRef[] = []
  const batches: LogBatch[] = []
  const rollbacks: (BlockRef | undefined)[] = []
  let inFlight = 0
  let checkpoint: bigint | undefined

  const target: MemoryLogSyncTarget = {
    logs,
    blocks,
    batches,
    rollbacks,
    get inFlight() {
      return inFlight
    },
    get checkpoint() {
      return checkpoint
    },
    beforeCommit: undefined,
    async loadBlocks() {
      return blocks.slice()
    },
    async commit(batch) {
      if (inFlight > 0) throw new Error('two commits at once')
      if (checkpoint !== undefined && batch.fromBlock !== checkpoint + 1n) {
        throw new Error(`batch starts at ${batch.fromBlock}, the checkpoint is ${checkpoint}`)
      }
      if (batch.blocks.at(-1)?.number !== batch.toBlock) throw new Error(`batch lacks the header of ${batch.toBlock}`)
      inFlight++
      try {
        await target.beforeCommit?.(batch)
        // All at once after the last await: a commit is all or nothing, like a transaction.
        logs.push(...batch.logs)
        blocks.push(...batch.blocks)
        batches.push(batch)
        checkpoint = batch.toBlock
      } finally {
        inFlight--
      }
    },
    async rollback(ancestor) {
      rollbacks.push(ancestor)
      const keep = (number: bigint) => ancestor !== undefined && number <= ancestor.number
      const keptLogs = logs.filter((log) => keep(log.blockNumber))
      logs.splice(0, logs.length, ...keptLogs)
      const keptBlocks = blocks.filter((block) => keep(block.number))
      blocks.splice(0, blocks.length, ...keptBlocks)
      checkpoint = ancestor?.number
    },
  }
  return target
}
