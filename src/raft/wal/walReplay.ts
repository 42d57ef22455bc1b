/**
 * Rebuilding the persisted Raft state from the WAL's records, oldest first:
 * - a batch's hard state replaces the previous one; each of its entries replaces the entry at its index and
 *   everything after (a new leader overwrote that suffix, section 5.3);
 * - a snapshot marker puts a snapshot in force. A `compaction` marker (the node's own snapshot of applied state)
 *   drops the entries it covers and keeps the rest; an `install` marker (a snapshot from the leader that the log
 *   did not match, section 7) discards the whole log.
 *
 * Once old segments are deleted, replay starts at a segment whose header names an older snapshot than the one
 * that made the deletion possible, so its first entries may not follow on: the replay keeps them as a run that a
 * later marker joins up. If the log still has a hole when the records end, records are missing: corruption.
 */
import { WalCorruptError } from '../errors.js'
import { type Entry, emptyHardState, type HardState, type SnapshotMetadata } from '../types.js'
import type { Batch, SnapshotMarker } from './walCodec.js'

export class WalReplay {
  hardState: HardState = emptyHardState()
  snapshot: SnapshotMetadata = { index: 0, term: 0, confState: { voters: [], learners: [] } }
  /** A contiguous run of entries; it should start right after the snapshot. */
  entries: Entry[] = []

  /** Last index of the log (the run's end, or the snapshot when the run is empty). */
  lastIndex(): number {
    return this.entries[this.entries.length - 1]?.index ?? this.snapshot.index
  }

  private first(): number {
    return this.entries[0]?.index ?? this.snapshot.index + 1
  }

  applyBatch(batch: Batch): void {
    if (batch.hardState) this.hardState = batch.hardState
    for (const entry of batch.entries) {
      if (entry.index <= this.snapshot.index) continue
      const first = this.first()
      if (this.entries.length === 0 || entry.index > this.lastIndex() + 1 || entry.index < first) {
        // A fresh run (possibly after a hole a later marker will close).
        this.entries = [entry]
        continue
      }
      this.entries.length = entry.index - first
      this.entries.push(entry)
    }
  }

  applySnapshotMarker(marker: SnapshotMarker): void {
    const metadata = marker.metadata
    if (metadata.index < this.snapshot.index) return
    this.snapshot = metadata
    this.entries = marker.install ? [] : this.entries.filter((e) => e.index > metadata.index)
  }

  /** The entries after the snapshot, checked to follow it without a hole. */
  finalEntries(): Entry[] {
    const first = this.entries[0]
    if (first && first.index !== this.snapshot.index + 1) {
      throw new WalCorruptError(
        `WAL is missing entries ${this.snapshot.index + 1} to ${first.index - 1} after the snapshot at ${this.snapshot.index}`,
      )
    }
    return this.entries
  }

  /** The hard state to start from: a snapshot in force is committed, whatever the last hard state said. */
  finalHardState(): HardState {
    const commit = Math.max(this.hardState.commit, this.snapshot.index)
    if (commit > this.lastIndex()) {
      throw new WalCorruptError(`WAL hard state commits ${commit} but the log ends at ${this.lastIndex()}`)
    }
    return { ...this.hardState, commit }
  }
}
