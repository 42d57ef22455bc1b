/**
 * What `syncLogs` takes and reports, and the check of its parameters (done once, before anything starts: a bad
 * URL or a negative confirmation depth is the caller's mistake, not something to retry).
 */
import { InvalidInputError } from '../../core/errors.js'
import type { Logger } from '../../core/logger.js'
import type { Metrics } from '../../core/metrics.js'
import type { LogRangePolicyParameters } from './logRangePolicy.js'
import type { LogFilter } from './rpcGetLogs.js'
import type { LogSyncTarget } from './types.js'

export type LogSyncStatus = {
  /** The latest block the node reported; `undefined` before its first answer. */
  headBlock: bigint | undefined
  /** The highest block whose logs the target committed (`fromBlock − 1` before the first commit). */
  syncedBlock: bigint
  /** True once the target reached `head − confirmations`; stays true while following the head. */
  caughtUp: boolean
}

export type SyncLogsParameters = {
  /** Names this sync in metrics (`sync` label) and logs. */
  name: string
  /** HTTP JSON-RPC URL; credentials in it never reach logs or errors. */
  rpcUrl: string
  /** WebSocket URL for `newHeads`, to react to new blocks without waiting for the next poll. */
  wsUrl?: string | undefined
  /** Contracts and event selectors to index; an empty list matches any. */
  filter: LogFilter
  /** First block to index on a fresh target. */
  fromBlock: bigint
  /** Blocks to stay behind the head (default 0, see the module notes). */
  confirmations?: number | undefined
  /** Milliseconds between head polls (default 1000). */
  pollingInterval?: number | undefined
  target: LogSyncTarget
  /** Stops the sync; the promise resolves once the commit in flight (if any) has finished. */
  signal: AbortSignal
  logger: Logger
  metrics?: Pick<Metrics, 'logSync' | 'chain'> | undefined
  /** `eth_getLogs` range policy: initial, min, max blocks and target logs per request. */
  range?: LogRangePolicyParameters | undefined
  /** Further behind the head than this, sync backfills (sparse headers); closer, it fetches every header. Default 100. */
  maxLiveBlocks?: number | undefined
  /** Headers kept in memory for reorganisation detection (default 1024). */
  maxRememberedBlocks?: number | undefined
  /** Milliseconds one JSON-RPC exchange may take (default 30 000). */
  requestTimeout?: number | undefined
  /** Largest JSON-RPC response accepted, in bytes (default 256 MiB); a larger `eth_getLogs` halves the range. */
  maxResponseBytes?: number | undefined
  /** Called after every change of status (commit, rollback, new head). */
  onStatus?: ((status: LogSyncStatus) => void) | undefined
  /** Called once, when the target first reaches the head. */
  onCaughtUp?: (() => void) | undefined
}

/** Refuses parameters the sync cannot run with, naming what was wrong and what is expected. */
export function validateSyncLogsParameters(parameters: SyncLogsParameters): void {
  const { name, fromBlock, confirmations, pollingInterval, wsUrl, maxLiveBlocks } = parameters
  if (!name) throw new InvalidInputError('Log sync needs a name (it labels its metrics and logs).')
  if (fromBlock < 0n) throw new InvalidInputError(`fromBlock must be 0 or more, got ${fromBlock}.`)
  if (confirmations !== undefined && (!Number.isInteger(confirmations) || confirmations < 0)) {
    throw new InvalidInputError(`confirmations must be a whole number of blocks ≥ 0, got ${confirmations}.`)
  }
  if (pollingInterval !== undefined && !(pollingInterval > 0)) {
    throw new InvalidInputError(`pollingInterval must be a positive number of milliseconds, got ${pollingInterval}.`)
  }
  if (maxLiveBlocks !== undefined && !(Number.isInteger(maxLiveBlocks) && maxLiveBlocks >= 1)) {
    throw new InvalidInputError(`maxLiveBlocks must be a whole number ≥ 1, got ${maxLiveBlocks}.`)
  }
  for (const [what, url, protocols] of [
    ['rpcUrl', parameters.rpcUrl, ['http:', 'https:']],
    ['wsUrl', wsUrl, ['ws:', 'wss:']],
  ] as const) {
    if (url === undefined) continue
    let protocol: string | undefined
    try {
      protocol = new URL(url).protocol
    } catch {}
    if (!protocol || !(protocols as readonly string[]).includes(protocol)) {
      throw new InvalidInputError(`${what} must be a ${protocols.join(' or ')} URL.`, {
        details: `got ${url}`,
      })
    }
  }
}
