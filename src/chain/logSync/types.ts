/**
 * What log sync hands to the service that stores what it indexes. Log sync knows blocks and logs; the target
 * knows its tables. Every batch and every rollback is one transaction on the target's side, so a process killed
 * at any point resumes from a consistent checkpoint.
 */
import type { Address, Hex } from 'viem'

/** One log as the node returned it, numbers parsed. */
export type LogRecord = {
  address: Address
  topics: Hex[]
  data: Hex
  blockNumber: bigint
  blockHash: Hex
  transactionHash: Hex
  transactionIndex: number
  logIndex: number
}

/** A block header as far as the hash chain needs it. */
export type BlockRef = {
  number: bigint
  hash: Hex
  parentHash: Hex
}

export type LogBatch = {
  /** Inclusive block range the batch covers; every log of the filter in it is in `logs`, in chain order. */
  fromBlock: bigint
  toBlock: bigint
  logs: LogRecord[]
  /**
   * Headers to remember for reorg detection, ascending: at least `toBlock`'s (the checkpoint); while following
   * the head, every block of the range.
   */
  blocks: BlockRef[]
}

export interface LogSyncTarget {
  /** The remembered headers, ascending by number; empty when nothing was committed yet. */
  loadBlocks(): Promise<BlockRef[]>
  /**
   * Optional: called for every backfill batch as soon as it is fetched, in chain order, while earlier batches may
   * still be committing, so the target can start what needs no transaction (decoding) and overlap it with the
   * commits before. A prepared batch may never be committed (the sync stopped, or the chain was reorganised). Must
   * not throw for what `commit` can report instead.
   */
  prepare?(batch: LogBatch): void
  /** Stores the batch's rows, its headers and the new checkpoint (`toBlock`) in one transaction. */
  commit(batch: LogBatch): Promise<void>
  /**
   * Removes everything above `ancestor` (rows and remembered headers) in one transaction; `undefined` means
   * everything the target indexed. Called when the chain the target followed was reorganised.
   */
  rollback(ancestor: BlockRef | undefined): Promise<void>
}
