/**
 * The part of the log not yet on stable storage (etcd-io/raft's `unstable`): entries appended since the last
 * `Ready` was persisted, and a snapshot received from the leader but not yet saved. `offset` is the index of the
 * first unstable entry; everything before it is in the application's `RaftStorage`.
 */
import type { Entry, Snapshot } from '../types.js'

export class UnstableLog {
  snapshot: Snapshot | undefined = undefined
  entries: Entry[] = []
  offset: number

  constructor(offset: number) {
    this.offset = offset
  }

  /** First index if only a pending snapshot says it. */
  maybeFirstIndex(): number | undefined {
    return this.snapshot ? this.snapshot.metadata.index + 1 : undefined
  }

  maybeLastIndex(): number | undefined {
    if (this.entries.length > 0) return this.offset + this.entries.length - 1
    return this.snapshot?.metadata.index
  }

  maybeTerm(index: number): number | undefined {
    if (index < this.offset) {
      return this.snapshot?.metadata.index === index ? this.snapshot.metadata.term : undefined
    }
    return this.entries[index - this.offset]?.term
  }

  /** Entries up to `index` (of `term`) are now durable: forget them. A mismatched term means they were replaced. */
  stableTo(index: number, term: number): void {
    if (index < this.offset || this.maybeTerm(index) !== term) return
    this.entries = this.entries.slice(index + 1 - this.offset)
    this.offset = index + 1
  }

  stableSnapTo(index: number): void {
    if (this.snapshot?.metadata.index === index) this.snapshot = undefined
  }

  restore(snapshot: Snapshot): void {
    this.offset = snapshot.metadata.index + 1
    this.entries = []
    this.snapshot = snapshot
  }

  /**
   * Appends `entries`, first cutting off any unstable entries at or after the first new index. When the new
   * entries start before `offset`, they replace part of the stable log too; the application's storage truncates
   * its copy when it persists them.
   */
  truncateAndAppend(entries: readonly Entry[]): void {
    if (entries.length === 0) return
    const after = (entries[0] as Entry).index
    if (after === this.offset + this.entries.length) {
      for (const entry of entries) this.entries.push(entry)
    } else if (after <= this.offset) {
      this.offset = after
      this.entries = [...entries]
    } else {
      this.entries = this.entries.slice(0, after - this.offset).concat(entries)
    }
  }

  /** Unstable entries in `[lo, hi)`; the caller has checked the bounds. */
  slice(lo: number, hi: number): Entry[] {
    return this.entries.slice(lo - this.offset, hi - this.offset)
  }
}
