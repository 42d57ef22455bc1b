/**
 * The application's handle on the Raft core (etcd-io/raft's `RawNode`). Drive it with `tick()`, `step()` and the
 * proposal methods; then, whenever `hasReady()`, take a `Ready`, handle it in this order and call `advance(rd)`:
 *
 * 1. persist `hardState`, `entries` and `snapshot` (fsync when `mustSync`), then append them to the `RaftStorage`;
 * 2. send `messages` (a leader whose term is already durable may send before step 1 finishes, thesis 10.2.1:
 *    its own disk write then overlaps its followers');
 * 3. restore `snapshot` into the state machine, then apply `committedEntries` in order, calling
 *    `applyConfChange` for each `confChange` entry;
 * 4. `advance(rd)`.
 *
 * `step()` and `tick()` may be called between `ready()` and `advance()`; `ready()` may not.
 */
import type { ConfChange } from '../confChange.js'
import {
  type ConfState,
  type Entry,
  type HardState,
  isHardStateEqual,
  type Message,
  type NodeId,
  type RaftRole,
  type Snapshot,
  type SoftState,
} from '../types.js'
import * as control from './leaderControl.js'
import type { ProgressState } from './progress.js'
import { Raft } from './raft.js'
import type { RaftConfig } from './raftConfig.js'

export type Ready = {
  /** Set when the leader or this node's role changed. */
  softState: SoftState | undefined
  /** Set when term, vote or commit changed: persist it. */
  hardState: HardState | undefined
  /** Entries to persist (they may replace a suffix of the stored log). */
  entries: Entry[]
  /** A snapshot from the leader to persist and restore. */
  snapshot: Snapshot | undefined
  /** Entries to apply, in order. */
  committedEntries: Entry[]
  messages: Message[]
  /** Whether the write must reach the disk before messages go out (term, vote or entries changed). */
  mustSync: boolean
}

export type RaftStatus = {
  id: NodeId
  term: number
  vote: NodeId
  lead: NodeId
  role: RaftRole
  commit: number
  applied: number
  firstIndex: number
  lastIndex: number
  confState: ConfState
  leadTransferee: NodeId
  /** The leader's view of each member; empty on other nodes. */
  progress: Map<NodeId, { match: number; next: number; state: ProgressState; recentActive: boolean }>
}

export class RawNode {
  readonly raft: Raft
  private prevSoftState: SoftState
  private prevHardState: HardState

  constructor(config: RaftConfig) {
    this.raft = new Raft(config)
    this.prevSoftState = this.raft.softState()
    this.prevHardState = this.raft.hardState()
  }

  tick(): void {
    this.raft.tick()
  }

  /** Starts an election now (after a pre-vote if enabled). Returns false when this node may not campaign. */
  campaign(): boolean {
    return this.raft.hup(false)
  }

  step(message: Message): void {
    this.raft.step(message)
  }

  /** Appends entries on the leader; returns the index and term of the last one. */
  propose(...data: Uint8Array[]): control.Proposed {
    return control.propose(this.raft, data)
  }

  proposeConfChange(change: ConfChange): control.Proposed {
    return control.proposeConfChange(this.raft, change)
  }

  /** Applies a committed conf change; call it while applying the entry that carries it. */
  applyConfChange(change: ConfChange): ConfState {
    return this.raft.applyConfChange(change)
  }

  transferLeadership(to: NodeId): void {
    control.transferLeadership(this.raft, to)
  }

  reportUnreachable(id: NodeId): void {
    control.reportUnreachable(this.raft, id)
  }

  reportSnapshot(id: NodeId, ok: boolean): void {
    control.reportSnapshot(this.raft, id, ok)
  }

  hasReady(): boolean {
    const r = this.raft
    const soft = r.softState()
    return (
      r.msgs.length > 0 ||
      r.log.unstableEntries().length > 0 ||
      r.log.hasPendingSnapshot() ||
      r.log.hasNextCommittedEntries() ||
      soft.lead !== this.prevSoftState.lead ||
      soft.role !== this.prevSoftState.role ||
      !isHardStateEqual(r.hardState(), this.prevHardState)
    )
  }

  ready(): Ready {
    const r = this.raft
    const soft = r.softState()
    const hard = r.hardState()
    const softChanged = soft.lead !== this.prevSoftState.lead || soft.role !== this.prevSoftState.role
    const hardChanged = !isHardStateEqual(hard, this.prevHardState)
    const entries = [...r.log.unstableEntries()]
    const rd: Ready = {
      softState: softChanged ? soft : undefined,
      hardState: hardChanged ? hard : undefined,
      entries,
      snapshot: r.log.unstable.snapshot,
      committedEntries: r.log.nextCommittedEntries(),
      messages: r.msgs,
      mustSync:
        entries.length > 0 ||
        r.log.unstable.snapshot !== undefined ||
        hard.term !== this.prevHardState.term ||
        hard.vote !== this.prevHardState.vote,
    }
    r.msgs = []
    if (softChanged) this.prevSoftState = soft
    const lastCommitted = rd.committedEntries[rd.committedEntries.length - 1]
    if (lastCommitted) r.log.applying = lastCommitted.index
    return rd
  }

  /** Tells the core that a `Ready` was persisted and applied. */
  advance(rd: Ready): void {
    const log = this.raft.log
    if (rd.hardState) this.prevHardState = rd.hardState
    const lastEntry = rd.entries[rd.entries.length - 1]
    if (lastEntry) log.stableTo(lastEntry.index, lastEntry.term)
    if (rd.snapshot) log.stableSnapTo(rd.snapshot.metadata.index)
    const lastApplied = rd.committedEntries[rd.committedEntries.length - 1]?.index ?? 0
    const applied = Math.max(lastApplied, rd.snapshot?.metadata.index ?? 0)
    if (applied > log.applied) log.appliedTo(applied)
  }

  status(): RaftStatus {
    const r = this.raft
    const progress: RaftStatus['progress'] = new Map()
    if (r.role === 'leader') {
      for (const [id, pr] of r.tracker.progress) {
        progress.set(id, { match: pr.match, next: pr.next, state: pr.state, recentActive: pr.recentActive })
      }
    }
    return {
      id: r.id,
      term: r.term,
      vote: r.vote,
      lead: r.lead,
      role: r.role,
      commit: r.log.committed,
      applied: r.log.applied,
      firstIndex: r.log.firstIndex(),
      lastIndex: r.log.lastIndex(),
      confState: r.tracker.confState(),
      leadTransferee: r.leadTransferee,
      progress,
    }
  }
}
