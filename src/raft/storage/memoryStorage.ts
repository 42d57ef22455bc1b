/**
 * An in-memory {@link RaftStorage} (after etcd-io/raft's `MemoryStorage`): the hard state, the latest snapshot and
 * the entries after the compaction point. The write-ahead log restores one of these on open and the node runner
 * appends to it after each fsync, so it mirrors what is on disk.
 *
 * Log compaction (section 7) is two steps, as in etcd: {@link MemoryStorage.createSnapshot} records the state
 * machine's image at an applied index, and {@link MemoryStorage.compact} later drops entries up to some index at
 * or below it, usually keeping a tail so that slightly lagging followers still get entries, not a snapshot.
 */
import { LogCompactedError, RaftInvariantError } from '../errors.js'
import { type ConfState, type Entry, emptyHardState, type HardState, type Snapshot } from '../types.js'
import type { RaftStorage } from './raftStorage.js'

export class MemoryStorage implements RaftStorage {
  private hardState: HardState = emptyHardState()
  private snap: Snapshot = emptySnapshot()
  /** Index and term of the last discarded entry; `ents[i].index === compactedIndex + 1 + i`. */
  private compactedIndex = 0
  private compactedTerm = 0
  private ents: Entry[] = []

  initialState(): { hardState: HardState; confState: ConfState } {
    return { hardState: { ...this.hardState }, confState: this.snap.metadata.confState }
  }

  getHardState(): HardState {
    return { ...this.hardState }
  }

  setHardState(hardState: HardState): void {
    this.hardState = { ...hardState }
  }

  entries(lo: number, hi: number, maxBytes: number): Entry[] {
    if (lo <= this.compactedIndex) throw new LogCompactedError(lo, this.compactedIndex + 1)
    if (hi > this.lastIndex() + 1) {
      throw new RaftInvariantError(`entries(${lo}, ${hi}) beyond the last index ${this.lastIndex()}`)
    }
    const offset = this.compactedIndex + 1
    return limitSize(this.ents.slice(lo - offset, hi - offset), maxBytes)
  }

  term(index: number): number | undefined {
    if (index === this.compactedIndex) return this.compactedTerm
    if (index < this.compactedIndex || index > this.lastIndex()) return undefined
    return this.ents[index - this.compactedIndex - 1]?.term
  }

  firstIndex(): number {
    return this.compactedIndex + 1
  }

  lastIndex(): number {
    return this.compactedIndex + this.ents.length
  }

  snapshot(): Snapshot {
    return this.snap
  }

  /**
   * Installs a snapshot received from the leader (InstallSnapshot, section 7). Entries after it are kept only
   * when the log agrees with the snapshot at its last index (the paper's receiver step 6); otherwise the whole log
   * is discarded (step 7).
   */
  applySnapshot(snapshot: Snapshot): void {
    const { index, term } = snapshot.metadata
    if (index < this.snap.metadata.index) return
    const keep =
      this.term(index) === term && index >= this.compactedIndex ? this.ents.slice(index - this.compactedIndex) : []
    this.snap = snapshot
    this.compactedIndex = index
    this.compactedTerm = term
    this.ents = keep
  }

  /**
   * Records a snapshot of the state machine at `index`, which must still be in the log, and returns it. No entry
   * is discarded until {@link compact}.
   */
  createSnapshot(index: number, confState: ConfState, data: Uint8Array): Snapshot {
    if (index <= this.snap.metadata.index) return this.snap
    const term = this.term(index)
    if (term === undefined) {
      throw new RaftInvariantError(
        `cannot snapshot at ${index}: the log holds ${this.compactedIndex}..${this.lastIndex()}`,
      )
    }
    this.snap = { metadata: { index, term, confState }, data }
    return this.snap
  }

  /** Discards entries up to and including `index`, which must be at or below the snapshot index. */
  compact(index: number): void {
    if (index <= this.compactedIndex) return
    if (index > this.snap.metadata.index) {
      throw new RaftInvariantError(`cannot compact to ${index}: the snapshot only covers ${this.snap.metadata.index}`)
    }
    this.compactedTerm = this.term(index) as number
    this.ents = this.ents.slice(index - this.compactedIndex)
    this.compactedIndex = index
  }

  /** Records what a `Ready` asked to persist, once it is on disk: snapshot first, then entries, then hard state. */
  save(update: {
    hardState?: HardState | undefined
    entries: readonly Entry[]
    snapshot?: Snapshot | undefined
  }): void {
    if (update.snapshot) this.applySnapshot(update.snapshot)
    this.append(update.entries)
    if (update.hardState) this.setHardState(update.hardState)
  }

  /**
   * Appends entries that are now durable. An entry at an index already held replaces it and everything after
   * (the conflicting suffix a new leader overwrote, section 5.3). Entries at or below the compaction point are
   * ignored: they are committed, so they equal what was discarded.
   */
  append(entries: readonly Entry[]): void {
    if (entries.length === 0) return
    const first = (entries[0] as Entry).index
    const fresh = first <= this.compactedIndex ? entries.slice(this.compactedIndex + 1 - first) : entries
    if (fresh.length === 0) return
    const start = (fresh[0] as Entry).index
    if (start > this.lastIndex() + 1) {
      throw new RaftInvariantError(`missing log entries: last index ${this.lastIndex()}, appending from ${start}`)
    }
    this.ents.length = start - this.compactedIndex - 1
    for (const entry of fresh) this.ents.push(entry)
  }
}

export function emptySnapshot(): Snapshot {
  return { metadata: { index: 0, term: 0, confState: { voters: [], learners: [] } }, data: new Uint8Array() }
}

/** Bytes an entry counts for in size limits: its payload plus a fixed allowance for its header. */
export function entrySize(entry: Entry): number {
  return entry.data.length + 24
}

/** The longest prefix of `entries` whose size fits `maxBytes`, never fewer than one entry. */
export function limitSize(entries: Entry[], maxBytes: number): Entry[] {
  let size = 0
  for (let i = 0; i < entries.length; i++) {
    size += entrySize(entries[i] as Entry)
    if (size > maxBytes && i > 0) return entries.slice(0, i)
  }
  return entries
}
