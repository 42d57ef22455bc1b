/**
 * The read side of stable storage as the Raft core sees it (etcd-io/raft's `Storage` interface). The core only
 * reads: the application writes what a `Ready` hands it (entries, hard state, snapshot) to disk, then into its
 * `RaftStorage`, and only then calls `advance`. So everything a `RaftStorage` returns is already durable.
 */
import type { ConfState, Entry, HardState, Snapshot } from '../types.js'

export type RaftStorage = {
  /** The persisted hard state and the configuration as of the last applied snapshot or conf change. */
  initialState(): { hardState: HardState; confState: ConfState }
  /**
   * Entries in `[lo, hi)`, at most `maxBytes` of payload (but at least one). Throws `LogCompactedError` when `lo`
   * is at or below the snapshot index.
   */
  entries(lo: number, hi: number, maxBytes: number): Entry[]
  /** Term of entry `index`, for `index` in `[snapshotIndex, lastIndex]`; `undefined` outside. */
  term(index: number): number | undefined
  /** Index of the first entry still held (snapshot index + 1). */
  firstIndex(): number
  lastIndex(): number
  /** The most recent snapshot. Throws `SnapshotUnavailableError` when one is being built. */
  snapshot(): Snapshot
}
