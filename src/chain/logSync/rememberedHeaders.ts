/**
 * The headers log sync remembers to detect reorganisations: the ones the target committed (the checkpoint of each
 * backfill range, every block while following the head), oldest first, at most `limit` of them in memory. A
 * reorganisation shows as a remembered header that is no longer the node's canonical block at its height; the
 * newest remembered header that still is, is the common ancestor to roll back to.
 *
 * Sparse headers (one per backfill range) are enough: a changed block changes the hash of every block after it,
 * so every remembered header at or above the change mismatches and the walk stops below it. A reorganisation
 * deeper than the window finds no ancestor: the target then rolls back everything, which is slow but correct.
 */
import type { JsonRpcClient } from './jsonRpcClient.js'
import { rpcGetBlockHeaders } from './rpcBlocks.js'
import type { BlockRef } from './types.js'

export type RememberedHeaders = {
  readonly last: BlockRef | undefined
  readonly size: number
  /** The remembered header at `number`, if any. */
  get(number: bigint): BlockRef | undefined
  /** Appends headers above the last one (ascending). */
  push(blocks: readonly BlockRef[]): void
  /** Forgets every header above `ancestor` (all of them when `undefined`). */
  truncateAfter(ancestor: BlockRef | undefined): void
  /** Newest first. */
  newestFirst(): BlockRef[]
}

/** Headers kept in memory unless the sync says otherwise (`maxRememberedBlocks`). */
export const defaultMaxRememberedBlocks = 1024

export function createRememberedHeaders(
  initial: readonly BlockRef[],
  limit = defaultMaxRememberedBlocks,
): RememberedHeaders {
  let headers = initial.slice(-limit)

  return {
    get last() {
      return headers[headers.length - 1]
    },
    get size() {
      return headers.length
    },
    get(number) {
      for (let i = headers.length - 1; i >= 0; i--) {
        const header = headers[i]!
        if (header.number === number) return header
        if (header.number < number) return undefined
      }
      return undefined
    },
    push(blocks) {
      for (const block of blocks) {
        const last = headers[headers.length - 1]
        if (!last || block.number > last.number) headers.push(block)
      }
      // Trim in steps, not per push, so the copy is amortised.
      if (headers.length > limit * 2) headers = headers.slice(-limit)
    },
    truncateAfter(ancestor) {
      if (!ancestor) {
        headers = []
        return
      }
      let keep = headers.length
      while (keep > 0 && headers[keep - 1]!.number > ancestor.number) keep--
      headers.length = keep
    },
    newestFirst() {
      return headers.slice().reverse()
    },
  }
}

/**
 * Walks the remembered headers from the newest down, comparing each with the node's canonical header at its
 * height (in JSON-RPC batches of `chunk`), and returns the newest that matches, or `undefined` when none does.
 */
export async function findCommonAncestor(
  client: JsonRpcClient,
  remembered: readonly BlockRef[],
  signal?: AbortSignal,
  chunk = 32,
): Promise<BlockRef | undefined> {
  for (let start = 0; start < remembered.length; start += chunk) {
    const candidates = remembered.slice(start, start + chunk)
    const canonical = await rpcGetBlockHeaders(
      client,
      candidates.map((header) => header.number),
      signal,
    )
    for (const [i, header] of candidates.entries()) {
      if (canonical[i]?.hash === header.hash) return header
    }
  }
  return undefined
}
