/**
 * How many blocks the next `eth_getLogs` asks for. Providers refuse ranges that are too wide or answers that are
 * too big, and the density of logs varies by orders of magnitude along a chain, so no fixed range is right: this
 * starts at `initial`, halves on every refusal (or goes straight to the range the provider names, when smaller),
 * doubles while answers stay well under `targetLogs`, and shrinks without being asked when an answer comes back
 * far over it: to the width that answer's density says holds `targetLogs`, at least by half (a dense stretch:
 * smaller answers keep memory flat and the commit pipeline moving).
 *
 * The first width is a guess made before any density is known, so it starts small (10 blocks): a too-wide first
 * answer on a dense chain is one large response, held in memory whole and overlapped with nothing (1,000 blocks of
 * the exporter benchmark's chain are 100,000 logs, 126 MB of JSON), while doubling from 10 reaches 1,000 blocks
 * over a sparse stretch in 7 requests.
 *
 * A refusal of the `blocks` kind (the provider caps blocks per request whatever they hold) is remembered: the
 * range never asks for that width again, and grows back by bisecting between the widest accepted and the
 * narrowest refused width, so it settles on the provider's cap in a few requests instead of bouncing off it. A
 * `results` refusal is not remembered: the same width is fine again once the logs thin out.
 */
import type { LogRangeRefusal } from './logRangeRefusal.js'

export type LogRangePolicyParameters = {
  /** Blocks in the first request (default 10). */
  initial?: number | undefined
  /** Never fewer blocks than this (default 1). */
  min?: number | undefined
  /** Never more blocks than this (default 100 000). */
  max?: number | undefined
  /**
   * Logs per answer the range aims at (default 5000): grow while answers hold under half of it, shrink when one
   * holds over twice it. Infura and Alchemy refuse answers over 10 000 logs.
   */
  targetLogs?: number | undefined
}

export type LogRangePolicy = {
  /** Blocks the next request should cover. */
  readonly size: number
  /** Logs per answer the policy aims at. */
  readonly targetLogs: number
  /** The highest size the policy may grow to (lowered by `blocks` refusals). */
  readonly ceiling: number
  /** Blocks of the last request answered (0 before the first): `size` above it is untried growth. */
  readonly lastAccepted: number
  /** After a successful answer of `logCount` logs for a request of `blocks` blocks. */
  onSuccess(blocks: number, logCount: number): void
  /** After the node refused a request of `blocks` blocks; returns false when the size cannot go lower. */
  onRefused(blocks: number, refusal: LogRangeRefusal): boolean
}

/**
 * @example
 * const policy = createLogRangePolicy({ initial: 1000, targetLogs: 5000 })
 * policy.onRefused(1000, { kind: 'results' }) // policy.size === 500
 * policy.onSuccess(500, 10)                    // policy.size === 1000
 */
export function createLogRangePolicy(parameters: LogRangePolicyParameters = {}): LogRangePolicy {
  const min = Math.max(1, Math.floor(parameters.min ?? 1))
  const max = Math.max(min, Math.floor(parameters.max ?? 100_000))
  const targetLogs = Math.max(1, parameters.targetLogs ?? 5000)
  /** The narrowest width refused for its block count, and the widest ever accepted. */
  let refusedWidth = Number.POSITIVE_INFINITY
  let acceptedWidth = 0
  let lastAccepted = 0
  const ceiling = () => Math.max(min, Math.min(max, refusedWidth - 1))
  const clamp = (value: number) => Math.min(ceiling(), Math.max(min, value))
  let size = clamp(Math.floor(parameters.initial ?? 10))

  return {
    get size() {
      return size
    },
    targetLogs,
    get ceiling() {
      return ceiling()
    },
    get lastAccepted() {
      return lastAccepted
    },
    onSuccess(blocks, logCount) {
      acceptedWidth = Math.max(acceptedWidth, blocks)
      lastAccepted = blocks
      if (logCount > targetLogs * 2) {
        size = clamp(Math.min(Math.floor(blocks / 2), Math.floor((blocks * targetLogs) / logCount)))
      } else if (blocks * 2 >= size && (logCount * size) / blocks < targetLogs / 2) {
        // Only a request of at least half the current size, whose density says the full size holds few logs, says
        // the size is comfortable (half: a sync may fetch a grown range as two halves): a short range at the head
        // of the chain proves nothing about wider ones. Near a known cap, bisect towards it.
        const doubled = size * 2
        size = clamp(doubled < refusedWidth ? doubled : Math.floor((acceptedWidth + refusedWidth) / 2))
      }
    },
    onRefused(blocks, refusal) {
      if (blocks <= min) return false
      let next = Math.floor(blocks / 2)
      if (refusal.kind === 'blocks') {
        refusedWidth = Math.min(refusedWidth, blocks, (refusal.suggestedBlocks ?? Number.POSITIVE_INFINITY) + 1)
        // A narrower width the provider already accepted is still good, whatever the logs: it caps blocks only.
        if (acceptedWidth < blocks) next = Math.max(next, acceptedWidth)
      }
      if (refusal.suggestedBlocks !== undefined) next = Math.min(next, refusal.suggestedBlocks)
      size = clamp(next)
      return true
    },
  }
}
