/**
 * Splits a fetched backfill range into batches of at most `maxLogs` logs at block boundaries, so a dense range
 * (a range is sized before its density is known) is committed as several transactions that the pipeline can
 * overlap with the next fetch, and a process killed during it keeps what was committed.
 *
 * Every batch carries the header of its last block, as the range's own batch does: the headers the batch holds
 * already (every block's, near the head) are shared out among its parts; the headers of the other split points are
 * fetched in one JSON-RPC array after the logs, and the logs of each such split block must carry its hash (else
 * the node switched chains meanwhile: `ChainMovedError`, fetch again). A block holding more than `maxLogs` logs is
 * one batch on its own: a batch never ends inside a block.
 */
import { ChainMovedError } from './fetchLogBatch.js'
import type { JsonRpcClient } from './jsonRpcClient.js'
import { rpcGetBlockHeaders } from './rpcBlocks.js'
import type { BlockRef, LogBatch } from './types.js'

export type SplitLogBatchParameters = {
  client: JsonRpcClient
  /** A backfill batch: its logs in chain order, headers ascending in `blocks`, `toBlock`'s last. */
  batch: LogBatch
  maxLogs: number
  signal?: AbortSignal | undefined
}

/**
 * The batch itself when it holds at most `maxLogs` logs, else its consecutive parts.
 *
 * @example
 * const batches = await splitLogBatch({ client, batch, maxLogs: policy.targetLogs, signal })
 */
export async function splitLogBatch(parameters: SplitLogBatchParameters): Promise<LogBatch[]> {
  const { batch, maxLogs } = parameters
  const { logs } = batch
  if (logs.length <= maxLogs) return [batch]

  // Greedy: each part takes whole blocks while it stays within maxLogs (a first block larger than that alone).
  const ends: { block: bigint; logEnd: number }[] = []
  let partStart = 0
  let blockStart = 0
  for (let i = 1; i <= logs.length; i++) {
    if (i < logs.length && logs[i]!.blockNumber === logs[i - 1]!.blockNumber) continue
    // logs[blockStart, i) is one block.
    if (i - partStart > maxLogs && blockStart > partStart) {
      ends.push({ block: logs[blockStart - 1]!.blockNumber, logEnd: blockStart })
      partStart = blockStart
    }
    blockStart = i
  }
  if (ends.length === 0) return [batch]

  const held = new Map(batch.blocks.map((header) => [header.number, header]))
  const missing = ends.filter((end) => !held.has(end.block))
  const fetched = await rpcGetBlockHeaders(
    parameters.client,
    missing.map((end) => end.block),
    parameters.signal,
  )
  for (const [i, end] of missing.entries()) {
    const header = fetched[i]
    if (!header) throw new ChainMovedError(`Block ${end.block} is gone from the node (its chain is shorter now).`)
    for (let j = end.logEnd - 1; j >= 0 && logs[j]!.blockNumber === end.block; j--) {
      if (logs[j]!.blockHash !== header.hash) {
        throw new ChainMovedError(
          `A log of block ${end.block} carries hash ${logs[j]!.blockHash}, the block's header ${header.hash}.`,
        )
      }
    }
    held.set(end.block, header)
  }

  const batches: LogBatch[] = []
  let fromBlock = batch.fromBlock
  let logStart = 0
  const part = (toBlock: bigint, logEnd: number) => {
    // The held headers in the part's range: every block's near the head, else the split block's alone.
    const blocks = batch.blocks.filter((header) => header.number >= fromBlock && header.number <= toBlock)
    batches.push({
      fromBlock,
      toBlock,
      logs: logs.slice(logStart, logEnd),
      blocks: blocks.at(-1)?.number === toBlock ? blocks : [held.get(toBlock) as BlockRef],
    })
    fromBlock = toBlock + 1n
    logStart = logEnd
  }
  for (const end of ends) part(end.block, end.logEnd)
  part(batch.toBlock, logs.length)
  return batches
}
