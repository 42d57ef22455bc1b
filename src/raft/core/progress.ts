/**
 * The leader's view of one follower (etcd-io/raft's `Progress`, the `nextIndex[]` and `matchIndex[]` of Figure 2).
 * A follower is in one of three states:
 * - `probe`: the leader does not know where the logs agree; it sends one AppendEntries per heartbeat interval and
 *   moves `next` back on rejection (section 5.3);
 * - `replicate`: the logs agree up to `match`; the leader streams entries optimistically, bounded by `inflights`;
 * - `snapshot`: the entries the follower needs are compacted; the leader sent a snapshot and waits (section 7).
 */
import { Inflights } from './inflights.js'

export type ProgressState = 'probe' | 'replicate' | 'snapshot'

export class Progress {
  match = 0
  next: number
  state: ProgressState = 'probe'
  /** In `snapshot` state: the index of the snapshot sent. */
  pendingSnapshot = 0
  /** Heard from since the last check-quorum round (thesis section 6.2). */
  recentActive = false
  /** In `probe` state: an AppendEntries is outstanding, so send no other until a response or heartbeat. */
  probeSent = false
  readonly inflights: Inflights
  isLearner: boolean

  constructor(next: number, maxInflight: number, isLearner: boolean) {
    this.next = next
    this.inflights = new Inflights(maxInflight)
    this.isLearner = isLearner
  }

  private resetState(state: ProgressState): void {
    this.probeSent = false
    this.pendingSnapshot = 0
    this.state = state
    this.inflights.reset()
  }

  becomeProbe(): void {
    // After a snapshot, resume right after it (or after match if that is further).
    if (this.state === 'snapshot') {
      const pending = this.pendingSnapshot
      this.resetState('probe')
      this.next = Math.max(this.match + 1, pending + 1)
    } else {
      this.resetState('probe')
      this.next = this.match + 1
    }
  }

  becomeReplicate(): void {
    this.resetState('replicate')
    this.next = this.match + 1
  }

  becomeSnapshot(snapshotIndex: number): void {
    this.resetState('snapshot')
    this.pendingSnapshot = snapshotIndex
  }

  /** An acknowledgement up to `index`; returns false when it is stale (already known). */
  maybeUpdate(index: number): boolean {
    let updated = false
    if (this.match < index) {
      this.match = index
      updated = true
      this.probeSent = false
    }
    this.next = Math.max(this.next, index + 1)
    return updated
  }

  /** Optimistic update after sending entries up to `last` in `replicate` state. */
  optimisticUpdate(last: number): void {
    this.next = last + 1
  }

  /**
   * A rejection of the AppendEntries at `rejected`; `matchHint` is the next index to probe, minus one. Returns false
   * when the rejection is stale (it answers an older message). In `replicate`, anything above `match` can be
   * rejected only if the follower lost entries (a restart without fsync would be a bug), so `next` falls to match+1.
   */
  maybeDecreaseTo(rejected: number, matchHint: number): boolean {
    if (this.state === 'replicate') {
      if (rejected <= this.match) return false
      this.next = this.match + 1
      return true
    }
    if (this.next - 1 !== rejected) return false
    this.next = Math.max(Math.min(rejected, matchHint + 1), this.match + 1)
    this.probeSent = false
    return true
  }

  /** Whether the leader must hold back AppendEntries to this follower for now. */
  isPaused(): boolean {
    switch (this.state) {
      case 'probe':
        return this.probeSent
      case 'replicate':
        return this.inflights.full()
      case 'snapshot':
        return true
    }
  }
}
