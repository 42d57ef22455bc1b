/**
 * Log sync: keeps a `LogSyncTarget` equal to the logs of a filter on the node's canonical chain, up to
 * `head − confirmations`, across restarts and reorganisations. It knows blocks and logs, nothing of what the
 * target makes of them (the exporter's tables, an event-triggered job's queue).
 *
 * 1. Resume: the target's remembered headers say where it stopped (the last one is the checkpoint); a fresh
 *    target starts at `fromBlock`.
 * 2. Backfill, while more than `maxLiveBlocks` behind: adaptive `eth_getLogs` ranges (see `logRangePolicy.ts`),
 *    pipelined: later ranges are fetched while the target commits earlier ones (`commitQueue.ts`, up to eight
 *    times the policy's target log count ahead); commits stay in order, one at a time. A range wider than the
 *    last one answered (the policy growing into blocks whose density is unknown) is fetched as two halves side by
 *    side, so a dense stretch that starts inside it is committed half by half, not after one huge answer. A range
 *    holding more than the target log count is committed as several batches split at block boundaries
 *    (`splitLogBatch.ts`). Each batch carries its last block's header, checked against the logs of that block;
 *    within `maxRememberedBlocks` of the head, every block's header, linked (so once caught up, the remembered
 *    headers are the same whether the sync backfilled or followed the head, and a reorganisation found right after
 *    a backfill rolls back no further than it must). A target with `prepare` gets each batch when it is fetched,
 *    to decode it while earlier ones commit.
 * 3. Follow the head: every `pollingInterval` (or at once on a `newHeads` notification when `wsUrl` is given;
 *    polling keeps going, ten times slower, as a safety net), read the head and the node's header at the
 *    checkpoint's height in one round trip; fetch new blocks with every header, linked by `parentHash` to the
 *    last remembered one.
 * 4. Reorganisation (a remembered header no longer canonical, or a new block that does not link): walk back
 *    through the remembered headers to the newest the node still has, `target.rollback(ancestor)`, continue from
 *    there. Counted in `avskit_log_sync_reorgs_total`, logged at warn.
 *
 * Errors: a target error (commit, rollback, loadBlocks) ends the sync and rejects its promise: the service
 * decides (its database is down, say). Node errors never do: they are retried with backoff and logged once per
 * streak, and the cursor never moves past a range that was not committed.
 *
 * Abort: RPC requests in flight are abandoned; a commit in flight is awaited (never left half done: the target
 * commits each batch in one transaction); then the promise resolves.
 *
 * Confirmations default to 0: right for a devnet (anvil mines on demand and only reorganises when told to), and
 * reorganisations are handled anyway. On a public chain a few blocks (or the finality depth) keep the target from
 * indexing then retracting short-lived forks.
 */
import type { Hex } from 'viem'
import { sleep } from '../../core/sleep.js'
import { createCommitQueue } from './commitQueue.js'
import { dropPrefetchedLogs, fetchLogBatch, type PrefetchedLogs, prefetchLogs } from './fetchLogBatch.js'
import { createJsonRpcClient } from './jsonRpcClient.js'
import { createLogRangePolicy } from './logRangePolicy.js'
import { createRememberedHeaders, defaultMaxRememberedBlocks, findCommonAncestor } from './rememberedHeaders.js'
import { createRetryStreak } from './retryStreak.js'
import { parseBlockRef } from './rpcBlocks.js'
import { toQuantity } from './rpcGetLogs.js'
import { splitLogBatch } from './splitLogBatch.js'
import { type LogSyncStatus, type SyncLogsParameters, validateSyncLogsParameters } from './syncLogsParameters.js'
import type { BlockRef, LogBatch } from './types.js'
import { createWakeup } from './wakeup.js'
import { watchNewHeads } from './watchNewHeads.js'

/** An error of the target, which ends the sync (unlike node errors, which are retried). */
class TargetFailure extends Error {}

const progressIntervalMs = 10_000

/**
 * Runs until `signal` aborts (resolves) or the target fails (rejects with its error).
 *
 * @example
 * await syncLogs({
 *   name: 'exporter', rpcUrl, filter: { addresses: [registry], topic0s: [topic0(operatorAdded)] },
 *   fromBlock: 0n, target, signal: shutdown.signal, logger, metrics,
 * })
 */
export async function syncLogs(parameters: SyncLogsParameters): Promise<void> {
  validateSyncLogsParameters(parameters)
  const { name, target, logger, signal } = parameters
  if (signal.aborted) return
  const labels = { sync: name }
  const metrics = parameters.metrics?.logSync
  const confirmations = BigInt(parameters.confirmations ?? 0)
  const pollingInterval = parameters.pollingInterval ?? 1000
  const maxLiveBlocks = parameters.maxLiveBlocks ?? 100
  const maxRememberedBlocks = parameters.maxRememberedBlocks ?? defaultMaxRememberedBlocks
  const floor = parameters.fromBlock - 1n

  // Aborted with the caller's signal, and when the sync ends for any reason: stops requests and the watcher.
  const inner = new AbortController()
  const forwardAbort = () => inner.abort(signal.reason)
  signal.addEventListener('abort', forwardAbort, { once: true })

  const client = createJsonRpcClient({
    url: parameters.rpcUrl,
    timeout: parameters.requestTimeout,
    maxResponseBytes: parameters.maxResponseBytes,
    metrics: parameters.metrics,
  })
  const policy = createLogRangePolicy(parameters.range)
  const queuedLogsAhead = policy.targetLogs * 8
  const streak = createRetryStreak({ logger, what: `log sync ${name}: the node` })
  const wakeup = createWakeup()
  const watch = parameters.wsUrl
    ? watchNewHeads({ url: parameters.wsUrl, signal: inner.signal, logger, onHead: () => wakeup.wake() })
    : undefined

  const status: LogSyncStatus = { headBlock: undefined, syncedBlock: floor, caughtUp: false }
  const emitStatus = () => parameters.onStatus?.({ ...status })
  let remembered = createRememberedHeaders([], maxRememberedBlocks)
  let progress = { at: Date.now(), block: floor, logs: 0 }

  async function callTarget<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call()
    } catch (error) {
      throw new TargetFailure('target failed', { cause: error })
    }
  }

  function prepare(batch: LogBatch) {
    try {
      target.prepare?.(batch)
    } catch (error) {
      throw new TargetFailure('target failed', { cause: error })
    }
  }

  function setSynced(block: bigint) {
    status.syncedBlock = block
    metrics?.syncedBlock.set(labels, Number(block))
  }

  function markCaughtUp() {
    if (status.caughtUp) return
    status.caughtUp = true
    logger.info({ sync: name, syncedBlock: status.syncedBlock, headBlock: status.headBlock }, 'log sync caught up')
    emitStatus()
    parameters.onCaughtUp?.()
  }

  async function commit(batch: LogBatch) {
    await callTarget(() => target.commit(batch))
    setSynced(batch.toBlock)
    remembered.push(batch.blocks)
    metrics?.logsTotal.inc(labels, batch.logs.length)
    progress.logs += batch.logs.length
    emitStatus()
    const now = Date.now()
    if (!status.caughtUp && now - progress.at >= progressIntervalMs) {
      const seconds = (now - progress.at) / 1000
      logger.info(
        {
          sync: name,
          syncedBlock: batch.toBlock,
          headBlock: status.headBlock,
          blocksPerSecond: Math.round(Number(batch.toBlock - progress.block) / seconds),
          logsPerSecond: Math.round(progress.logs / seconds),
        },
        'backfilling logs',
      )
      progress = { at: now, block: batch.toBlock, logs: 0 }
    }
  }

  async function rollBack(reason: string) {
    metrics?.reorgsTotal.inc(labels)
    const ancestor = await findCommonAncestor(client, remembered.newestFirst(), inner.signal)
    const resumeAfter = ancestor && ancestor.number > floor ? ancestor.number : floor
    const rolledBack = status.syncedBlock > resumeAfter ? status.syncedBlock - resumeAfter : 0n
    logger.warn(
      { sync: name, reason, ancestor: ancestor?.number, ancestorHash: ancestor?.hash, rolledBackBlocks: rolledBack },
      ancestor
        ? 'chain reorganised: rolling back to the common ancestor'
        : 'chain reorganised: rolling back everything',
    )
    await callTarget(() => target.rollback(ancestor))
    remembered.truncateAfter(ancestor)
    setSynced(resumeAfter)
    metrics?.rolledBackBlocksTotal.inc(labels, Number(rolledBack))
    emitStatus()
  }

  /** The head, and whether the remembered checkpoint is still the node's block at its height. */
  async function readHead(): Promise<{ head: bigint; checkpointCanonical: boolean }> {
    const last = remembered.last
    const calls: { method: string; params: unknown[] }[] = [{ method: 'eth_blockNumber', params: [] }]
    if (last) calls.push({ method: 'eth_getBlockByNumber', params: [toQuantity(last.number), false] })
    const [headHex, rawHeader] = await client.batch<unknown>(calls, { signal: inner.signal })
    const head = BigInt(headHex as Hex)
    status.headBlock = head
    metrics?.headBlock.set(labels, Number(head))
    if (!last) return { head, checkpointCanonical: true }
    const header = parseBlockRef(rawHeader)
    // A missing checkpoint block counts only when the head agrees the chain is now shorter (not a lagging node).
    const canonical = header ? header.hash === last.hash : head >= last.number
    return { head, checkpointCanonical: canonical }
  }

  /**
   * Fetches ranges up to `to` while earlier ones are committed (up to `queuedLogsAhead` logs ahead), each split
   * into batches of at most the policy's target log count. A reorganisation found while fetching drops what was
   * fetched and not committed (it may be on the orphaned chain), waits for the commit in flight, and rolls back.
   */
  async function backfill(to: bigint) {
    let from = status.syncedBlock + 1n
    let parent: BlockRef | undefined = remembered.last
    if (to - from > 10_000n) logger.info({ sync: name, fromBlock: from, toBlock: to }, 'backfilling logs')
    const queue = createCommitQueue({ commit, maxQueuedLogs: queuedLogsAhead, signal: inner.signal })
    let ahead: PrefetchedLogs | undefined
    try {
      while (from <= to && !inner.signal.aborted) {
        await queue.ready()
        if (inner.signal.aborted) break
        const prefetched = ahead?.fromBlock === from ? ahead : undefined
        if (ahead && !prefetched) dropPrefetchedLogs(ahead, fetchParameters('backfill', from, to))
        ahead = undefined
        // A range wider than the last one answered is a guess (the logs may thicken anywhere in it): its first half
        // is fetched as the range, its second half's logs beside it. When a dense stretch starts inside, the half
        // before it is committed while the node still builds the answer for the rest.
        let maxBlocks: number | undefined
        if (!prefetched && policy.size > policy.lastAccepted && policy.size > 1) {
          maxBlocks = Math.ceil(policy.size / 2)
          const aheadFrom = from + BigInt(maxBlocks)
          const aheadTo = from + BigInt(policy.size) - 1n
          if (aheadFrom <= to)
            ahead = prefetchLogs(fetchParameters('backfill', from, to), aheadFrom, aheadTo < to ? aheadTo : to)
        }
        const fetching = fetchBackfillBatches(from, to, parent, maxBlocks, prefetched)
        // Settled later by the abort at the end of the sync, when the race below leaves it behind.
        fetching.catch(() => {})
        // A failing commit rejects at once, without waiting for the fetch beside it.
        const result = await Promise.race([fetching, queue.failed])
        if (result.kind === 'reorg') {
          await queue.stop()
          return rollBack(`block ${parent?.number} is no longer canonical`)
        }
        // Each batch is queued as soon as it is prepared, and the event loop runs between two: the first commit of a
        // large answer starts (and its database calls are answered) while the target prepares the rest.
        for (const [i, batch] of result.batches.entries()) {
          if (i > 0) await new Promise((resolve) => setImmediate(resolve))
          prepare(batch)
          queue.push([batch])
        }
        const last = result.batches[result.batches.length - 1] as LogBatch
        parent = last.blocks[last.blocks.length - 1]
        from = last.toBlock + 1n
      }
      if (!inner.signal.aborted) await queue.drain()
    } finally {
      if (ahead) dropPrefetchedLogs(ahead, fetchParameters('backfill', from, to))
      await queue.stop()
    }
  }

  async function fetchBackfillBatches(
    from: bigint,
    to: bigint,
    parent: BlockRef | undefined,
    maxBlocks: number | undefined,
    prefetched: PrefetchedLogs | undefined,
  ): Promise<{ kind: 'batches'; batches: LogBatch[] } | { kind: 'reorg' }> {
    const result = await fetchLogBatch({
      ...fetchParameters('backfill', from, to),
      parent,
      maxBlocks,
      prefetched,
      everyHeaderFrom: to - BigInt(maxRememberedBlocks) + 1n,
    })
    if (result.kind === 'reorg') return result
    const batches = await splitLogBatch({
      client,
      batch: result.batch,
      maxLogs: policy.targetLogs,
      signal: inner.signal,
    })
    return { kind: 'batches', batches }
  }

  /** Fetches and commits the next blocks with every header; true when that reached `to`. */
  async function followHead(to: bigint): Promise<boolean> {
    const from = status.syncedBlock + 1n
    const last = remembered.last
    const parent = last && last.number === from - 1n ? last : undefined
    const result = await fetchLogBatch({ ...fetchParameters('live', from, to), parent, maxBlocks: maxLiveBlocks })
    if (result.kind === 'reorg') {
      await rollBack(`block ${from} does not extend block ${from - 1n}`)
      return false
    }
    await commit(result.batch)
    return result.batch.toBlock >= to
  }

  function fetchParameters(mode: 'backfill' | 'live', fromBlock: bigint, toBlock: bigint) {
    return {
      client,
      filter: parameters.filter,
      policy,
      mode,
      fromBlock,
      toBlock,
      signal: inner.signal,
      onRequest: (blocks: number) => metrics?.rangeBlocks.observe(labels, blocks),
      onRefused: (blocks: number, _refusal: unknown, error: unknown) => {
        metrics?.rangeShrinksTotal.inc(labels)
        logger.debug({ sync: name, blocks, nextBlocks: policy.size, err: error }, 'eth_getLogs range refused; halving')
      },
    }
  }

  /** One round: returns true when there is nothing to do until the next block. */
  async function step(): Promise<boolean> {
    const { head, checkpointCanonical } = await readHead()
    if (!checkpointCanonical) {
      await rollBack(`block ${remembered.last?.number} is no longer canonical`)
      return false
    }
    const safe = head - confirmations
    if (safe <= status.syncedBlock) {
      markCaughtUp()
      return true
    }
    if (safe - status.syncedBlock > BigInt(maxLiveBlocks)) {
      await backfill(safe)
      return false
    }
    const reached = await followHead(safe)
    if (reached) markCaughtUp()
    return reached
  }

  try {
    const loaded = await callTarget(() => target.loadBlocks())
    remembered = createRememberedHeaders(loaded, maxRememberedBlocks)
    const checkpoint = remembered.last?.number
    setSynced(checkpoint !== undefined && checkpoint > floor ? checkpoint : floor)
    progress = { at: Date.now(), block: status.syncedBlock, logs: 0 }
    logger.info(
      { sync: name, resumeAfter: status.syncedBlock, rememberedBlocks: remembered.size, rpcUrl: client.displayUrl },
      checkpoint === undefined ? 'log sync starting' : 'log sync resuming',
    )
    emitStatus()
    while (!signal.aborted) {
      let idle: boolean
      try {
        idle = await step()
        streak.succeeded()
      } catch (error) {
        if (error instanceof TargetFailure) throw error.cause
        if (signal.aborted) break
        await sleep(streak.failed(error, { sync: name, syncedBlock: status.syncedBlock }), signal)
        continue
      }
      if (idle) await wakeup.wait(watch?.subscribed ? pollingInterval * 10 : pollingInterval, signal)
    }
  } catch (error) {
    throw error instanceof TargetFailure ? error.cause : error
  } finally {
    signal.removeEventListener('abort', forwardAbort)
    inner.abort()
    await watch?.stopped
  }
}
