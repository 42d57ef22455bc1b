/**
 * The replicated log as one node sees it (etcd-io/raft's `raftLog`): the durable prefix in `RaftStorage`, the
 * unstable suffix, and two cursors, `committed` (section 5.3: known to be stored on a majority) and `applied`
 * (handed to the state machine). Index `firstIndex() - 1` is the snapshot boundary whose term is still known.
 */
import { LogCompactedError, RaftInvariantError } from '../errors.js'
import { limitSize } from '../storage/memoryStorage.js'
import type { RaftStorage } from '../storage/raftStorage.js'
import type { Entry, Snapshot } from '../types.js'
import { UnstableLog } from './unstable.js'

export class RaftLog {
  readonly storage: RaftStorage
  readonly unstable: UnstableLog
  committed: number
  applied: number
  /** Last index handed to the application in a Ready and not yet confirmed by `advance` (at least `applied`). */
  applying: number
  /** Upper bound on the payload handed out as committed entries by one `Ready`. */
  private readonly maxApplyBytes: number

  constructor(storage: RaftStorage, maxApplyBytes: number) {
    this.storage = storage
    this.maxApplyBytes = maxApplyBytes
    this.unstable = new UnstableLog(storage.lastIndex() + 1)
    this.committed = storage.firstIndex() - 1
    this.applied = storage.firstIndex() - 1
    this.applying = this.applied
  }

  firstIndex(): number {
    return this.unstable.maybeFirstIndex() ?? this.storage.firstIndex()
  }

  lastIndex(): number {
    return this.unstable.maybeLastIndex() ?? this.storage.lastIndex()
  }

  /** Term of `index`, or `undefined` when it is compacted away or beyond the log. */
  term(index: number): number | undefined {
    if (index < this.firstIndex() - 1 || index > this.lastIndex()) return undefined
    return this.unstable.maybeTerm(index) ?? this.storage.term(index)
  }

  lastTerm(): number {
    return this.term(this.lastIndex()) as number
  }

  matchTerm(index: number, term: number): boolean {
    return this.term(index) === term
  }

  /**
   * Section 5.4.1, election restriction: a log is at least as up-to-date as ours when its last term is higher, or
   * equal with an index at least as high.
   */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const ourTerm = this.lastTerm()
    return lastTerm > ourTerm || (lastTerm === ourTerm && lastIndex >= this.lastIndex())
  }

  /**
   * The AppendEntries receiver rule (Figure 2): if the entry at `index` has term `logTerm`, append `entries`
   * (replacing a conflicting suffix) and advance commit to `min(leaderCommit, index of last new entry)`. Returns
   * that last new index, or `undefined` when the consistency check fails.
   */
  maybeAppend(index: number, logTerm: number, leaderCommit: number, entries: Entry[]): number | undefined {
    if (!this.matchTerm(index, logTerm)) return undefined
    const lastNew = index + entries.length
    const conflict = this.findConflict(entries)
    if (conflict !== 0) {
      if (conflict <= this.committed) {
        throw new RaftInvariantError(`entry ${conflict} conflicts with a committed entry (commit ${this.committed})`)
      }
      this.append(entries.slice(conflict - (index + 1)))
    }
    this.commitTo(Math.min(leaderCommit, lastNew))
    return lastNew
  }

  /** Appends entries (already numbered) and returns the new last index. */
  append(entries: readonly Entry[]): number {
    if (entries.length === 0) return this.lastIndex()
    const after = (entries[0] as Entry).index - 1
    if (after < this.committed) {
      throw new RaftInvariantError(`appending after ${after} would overwrite committed entries up to ${this.committed}`)
    }
    this.unstable.truncateAndAppend(entries)
    return this.lastIndex()
  }

  /** Index of the first entry that is new or disagrees in term with ours; 0 when all are already present. */
  findConflict(entries: readonly Entry[]): number {
    for (const entry of entries) {
      if (!this.matchTerm(entry.index, entry.term)) return entry.index
    }
    return 0
  }

  /**
   * The largest index at or below `index` whose term is at most `term` (the fast-backtracking search, section 5.3
   * "the protocol can be optimized"): every entry after it has a higher term, so cannot match a log whose entry at
   * `index` has term `term` or lower. Stops at the compaction boundary.
   */
  findConflictByTerm(index: number, term: number): { index: number; term: number } {
    for (let i = Math.min(index, this.lastIndex()); i >= 0; i--) {
      const ourTerm = this.term(i)
      if (ourTerm === undefined) return { index: i, term: 0 }
      if (ourTerm <= term) return { index: i, term: ourTerm }
    }
    return { index: 0, term: 0 }
  }

  /** Commits up to `index` if its entry is from `term` (section 5.4.2: only current-term entries by counting). */
  maybeCommit(index: number, term: number): boolean {
    if (index > this.committed && this.term(index) === term) {
      this.commitTo(index)
      return true
    }
    return false
  }

  commitTo(index: number): void {
    if (index <= this.committed) return
    if (index > this.lastIndex()) {
      throw new RaftInvariantError(`commit index ${index} is beyond the last index ${this.lastIndex()}`)
    }
    this.committed = index
  }

  appliedTo(index: number): void {
    if (index === 0) return
    if (index > this.committed || index < this.applied) {
      throw new RaftInvariantError(`applied ${index} outside [${this.applied}, ${this.committed}]`)
    }
    this.applied = index
    if (this.applying < index) this.applying = index
  }

  stableTo(index: number, term: number): void {
    this.unstable.stableTo(index, term)
  }

  stableSnapTo(index: number): void {
    this.unstable.stableSnapTo(index)
  }

  unstableEntries(): Entry[] {
    return this.unstable.entries
  }

  hasPendingSnapshot(): boolean {
    return this.unstable.snapshot !== undefined
  }

  hasNextCommittedEntries(): boolean {
    return this.committed > Math.max(this.applied, this.firstIndex() - 1)
  }

  /** Committed entries not yet applied, up to the apply size limit. */
  nextCommittedEntries(): Entry[] {
    const from = Math.max(this.applied + 1, this.firstIndex())
    if (this.committed < from) return []
    return this.slice(from, this.committed + 1, this.maxApplyBytes)
  }

  /** The snapshot to send: a pending unstable one, or the latest in storage. */
  snapshot(): Snapshot {
    return this.unstable.snapshot ?? this.storage.snapshot()
  }

  /** Entries from `index` to the end, at most `maxBytes`; throws `LogCompactedError` below the first index. */
  entries(index: number, maxBytes: number): Entry[] {
    if (index > this.lastIndex()) return []
    return this.slice(index, this.lastIndex() + 1, maxBytes)
  }

  /** Installs a snapshot from the leader: the log becomes empty after it and everything it covers is committed. */
  restore(snapshot: Snapshot): void {
    this.committed = snapshot.metadata.index
    this.unstable.restore(snapshot)
  }

  slice(lo: number, hi: number, maxBytes: number): Entry[] {
    const first = this.firstIndex()
    if (lo < first) throw new LogCompactedError(lo, first)
    if (hi > this.lastIndex() + 1)
      throw new RaftInvariantError(`slice(${lo}, ${hi}) beyond last index ${this.lastIndex()}`)
    if (lo >= hi) return []
    const offset = this.unstable.offset
    let out: Entry[] = []
    if (lo < offset) {
      out = this.storage.entries(lo, Math.min(hi, offset), maxBytes)
      // Storage stopped early because of the size limit: do not add unstable entries after a gap.
      if (out.length < Math.min(hi, offset) - lo) return out
    }
    if (hi > offset) {
      const tail = this.unstable.slice(Math.max(lo, offset), hi)
      out = out.length > 0 ? out.concat(tail) : tail
    }
    return limitSize(out, maxBytes)
  }
}
