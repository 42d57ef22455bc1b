/**
 * Fetches one `LogBatch`: the logs of a block range and the headers that vouch for them, fetched side by side
 * and checked against each other, because the node may switch chains between (or during) the two requests.
 *
 * - Backfill carries the header of the range's last block (the checkpoint) and re-reads the previous checkpoint:
 *   if that is no longer canonical, the chain was reorganised under the committed data (`{ kind: 'reorg' }`).
 *   Logs of the last block must carry its hash. From `everyHeaderFrom` on (the stretch below the head that log
 *   sync remembers in full) it carries every block's header, each linked to the one before, and every log there
 *   must carry its block's hash.
 * - Live carries every block's header: the first must link to `parent` by `parentHash` (else `reorg`), each to
 *   the one before, and every log must carry its block's hash.
 *
 * A check that fails without meaning a reorganisation of committed data (a block missing, a log from another
 * fork) throws `ChainMovedError`: the caller reads the head again and refetches. Range refusals shrink the range
 * through the policy and try again at once; any other error is the caller's to retry.
 */
import { BaseError } from '../../core/errors.js'
import type { JsonRpcClient } from './jsonRpcClient.js'
import type { LogRangePolicy } from './logRangePolicy.js'
import { classifyLogRangeRefusal, type LogRangeRefusal } from './logRangeRefusal.js'
import { rpcGetBlockHeaders } from './rpcBlocks.js'
import { type LogFilter, rpcGetLogs } from './rpcGetLogs.js'
import type { BlockRef, LogBatch, LogRecord } from './types.js'

/** The node's chain changed while a batch was fetched; fetching again fixes it. */
export class ChainMovedError extends BaseError {
  override name = 'ChainMovedError'
  readonly retryable = true
}

export type FetchLogBatchParameters = {
  client: JsonRpcClient
  filter: LogFilter
  policy: LogRangePolicy
  fromBlock: bigint
  /** The highest block the batch may reach. */
  toBlock: bigint
  mode: 'backfill' | 'live'
  /** Backfill: the previous checkpoint, if any. Live: the remembered header of `fromBlock - 1`, if any. */
  parent: BlockRef | undefined
  /** Blocks per batch at most, whatever the policy allows (live batches fetch every header). */
  maxBlocks?: number | undefined
  /** Backfill: fetch the header of every block from this one on, not only the last block's. */
  everyHeaderFrom?: bigint | undefined
  signal?: AbortSignal | undefined
  /** Called for every `eth_getLogs` sent, with its width. */
  onRequest?: ((blocks: number) => void) | undefined
  /** Called when the node refused a width and the policy shrank it. */
  onRefused?: ((blocks: number, refusal: LogRangeRefusal, error: unknown) => void) | undefined
  /**
   * Backfill: the `eth_getLogs` of blocks `fromBlock … prefetched.toBlock`, already sent (`prefetchLogs`). Used
   * as the first attempt's logs; the headers are fetched now and checked against them as usual.
   */
  prefetched?: PrefetchedLogs | undefined
}

/** An `eth_getLogs` sent ahead of its turn (see `prefetchLogs`). */
export type PrefetchedLogs = { fromBlock: bigint; toBlock: bigint; logs: Promise<LogsOutcome> }

type LogsOutcome = { logs: LogRecord[] } | { error: unknown }

export type FetchLogBatchResult = { kind: 'batch'; batch: LogBatch } | { kind: 'reorg' }

export async function fetchLogBatch(parameters: FetchLogBatchParameters): Promise<FetchLogBatchResult> {
  const { policy, fromBlock, toBlock } = parameters
  const available = Number(toBlock - fromBlock + 1n)
  let prefetched = parameters.prefetched?.fromBlock === fromBlock ? parameters.prefetched : undefined
  for (;;) {
    const blocks = prefetched
      ? Number(prefetched.toBlock - fromBlock + 1n)
      : Math.min(policy.size, parameters.maxBlocks ?? available, available)
    const end = fromBlock + BigInt(blocks) - 1n
    const logs = prefetched?.logs ?? getLogsSettled(parameters, fromBlock, end)
    // A refused prefetch is retried at the width the policy then says.
    prefetched = undefined
    const attempt = parameters.mode === 'live' ? fetchLive(parameters, end, logs) : fetchBackfill(parameters, end, logs)
    parameters.onRequest?.(blocks)
    const outcome = await attempt
    if (!('refused' in outcome)) {
      if (outcome.kind === 'batch') policy.onSuccess(blocks, outcome.batch.logs.length)
      return outcome
    }
    const refusal = classifyLogRangeRefusal(outcome.refused)
    if (!refusal || !policy.onRefused(blocks, refusal)) throw outcome.refused
    parameters.onRefused?.(blocks, refusal, outcome.refused)
  }
}

type AttemptOutcome = FetchLogBatchResult | { refused: unknown }

/** `eth_getLogs` that never rejects, so it can run beside the header requests and its error be classified. */
function getLogsSettled(
  parameters: Pick<FetchLogBatchParameters, 'client' | 'filter' | 'signal'>,
  fromBlock: bigint,
  toBlock: bigint,
): Promise<LogsOutcome> {
  return rpcGetLogs(parameters.client, { ...parameters.filter, fromBlock, toBlock, signal: parameters.signal }).then(
    (logs) => ({ logs }),
    (error: unknown) => ({ error }),
  )
}

/**
 * Sends the `eth_getLogs` of a backfill range before its turn, to hand to `fetchLogBatch` as `prefetched` once the
 * ranges before it are fetched: the node works on it meanwhile.
 *
 * @example
 * const ahead = prefetchLogs({ client, filter, signal }, 101n, 140n)
 * const result = await fetchLogBatch({ …, fromBlock: 101n, prefetched: ahead })
 */
export function prefetchLogs(
  parameters: Pick<FetchLogBatchParameters, 'client' | 'filter' | 'signal'>,
  fromBlock: bigint,
  toBlock: bigint,
): PrefetchedLogs {
  return { fromBlock, toBlock, logs: getLogsSettled(parameters, fromBlock, toBlock) }
}

/**
 * A prefetch that will not be used (the ranges before it came out otherwise): when the node refused it, the
 * policy still learns the refused width, and `onRefused` hears of it, as for any refusal.
 */
export function dropPrefetchedLogs(
  prefetched: PrefetchedLogs,
  parameters: Pick<FetchLogBatchParameters, 'policy' | 'onRefused'>,
): void {
  const blocks = Number(prefetched.toBlock - prefetched.fromBlock + 1n)
  void prefetched.logs.then((outcome) => {
    if (!('error' in outcome)) return
    const refusal = classifyLogRangeRefusal(outcome.error)
    if (refusal && parameters.policy.onRefused(blocks, refusal)) parameters.onRefused?.(blocks, refusal, outcome.error)
  })
}

async function fetchBackfill(
  parameters: FetchLogBatchParameters,
  end: bigint,
  logsPromise: Promise<LogsOutcome>,
): Promise<AttemptOutcome> {
  const { parent, everyHeaderFrom } = parameters
  // Headers of blocks first … end: every block's from everyHeaderFrom (or the range's start) on, else the last's.
  let first = end
  if (everyHeaderFrom !== undefined && everyHeaderFrom < end) {
    first = parameters.fromBlock
    if (everyHeaderFrom > first) first = everyHeaderFrom
  }
  const numbers: bigint[] = []
  for (let number = first; number <= end; number++) numbers.push(number)
  if (parent) numbers.push(parent.number)
  const fetched = await rpcGetBlockHeaders(parameters.client, numbers, parameters.signal)
  const canonicalParent = parent ? fetched.pop() : undefined
  const result = await logsPromise
  // A missing block explains a failed eth_getLogs too: the chain got shorter.
  for (const [i, header] of fetched.entries()) {
    if (!header) throw new ChainMovedError(`Block ${numbers[i]} is gone from the node (its chain is shorter now).`)
  }
  const headers = fetched as BlockRef[]
  if ('error' in result) return { refused: result.error }
  if (parent && canonicalParent?.hash !== parent.hash) return { kind: 'reorg' }
  for (let i = 1; i < headers.length; i++) {
    if (headers[i]!.parentHash !== headers[i - 1]!.hash) {
      throw new ChainMovedError(`Block ${headers[i]!.number} does not extend the block fetched before it.`)
    }
  }
  const { logs } = result
  // Logs are in chain order: those of the blocks with a header are at the end.
  for (let i = logs.length - 1; i >= 0 && logs[i]!.blockNumber >= first; i--) {
    const header = headers[Number(logs[i]!.blockNumber - first)]
    if (logs[i]!.blockHash !== header?.hash) throw movedLog(logs[i]!, header)
  }
  return { kind: 'batch', batch: { fromBlock: parameters.fromBlock, toBlock: end, logs, blocks: headers } }
}

async function fetchLive(
  parameters: FetchLogBatchParameters,
  end: bigint,
  logsPromise: Promise<LogsOutcome>,
): Promise<AttemptOutcome> {
  const { fromBlock, parent } = parameters
  const numbers: bigint[] = []
  for (let number = fromBlock; number <= end; number++) numbers.push(number)
  const fetched = await rpcGetBlockHeaders(parameters.client, numbers, parameters.signal)
  const result = await logsPromise
  const headers: BlockRef[] = []
  for (const [i, header] of fetched.entries()) {
    if (!header) throw new ChainMovedError(`Block ${numbers[i]} is gone from the node (its chain is shorter now).`)
    const previous = i === 0 ? parent : headers[i - 1]
    if (previous && header.parentHash !== previous.hash) {
      if (i === 0) return { kind: 'reorg' }
      throw new ChainMovedError(`Block ${header.number} does not extend the block fetched before it.`)
    }
    headers.push(header)
  }
  if ('error' in result) return { refused: result.error }
  for (const log of result.logs) {
    const header = headers[Number(log.blockNumber - fromBlock)]
    if (!header || log.blockHash !== header.hash) throw movedLog(log, header)
  }
  return { kind: 'batch', batch: { fromBlock, toBlock: end, logs: result.logs, blocks: headers } }
}

function movedLog(log: LogRecord, header: BlockRef | undefined): ChainMovedError {
  return new ChainMovedError(
    `A log of block ${log.blockNumber} carries hash ${log.blockHash}, the block's header ${header?.hash ?? 'none'}.`,
  )
}
