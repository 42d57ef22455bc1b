/**
 * The Raft state machine of one node: roles, terms, elections and the rules every role shares. It is pure: input
 * arrives through `tick()` (the passage of time), `step(message)` and the proposal methods; output accumulates in
 * `msgs` and in the log, and the `RawNode` hands it out as a `Ready`. Nothing here reads a clock, a socket or a
 * disk, so a seeded simulation replays it exactly.
 *
 * Sections of the Raft paper (Ongaro & Ousterhout 2014) and thesis (Ongaro 2014) implemented here:
 * - 5.1 terms: a higher term in any message turns the receiver into a follower of that term; stale messages are
 *   dropped, or answered so that a stale leader learns the newer term;
 * - 5.2 leader election with randomized timeouts in `[electionTick, 2·electionTick)`;
 * - 5.4.1 election restriction: a vote goes only to a candidate whose log is at least as up-to-date;
 * - thesis 9.6 pre-vote: a node first asks whether it could win at term + 1, so a partitioned node rejoining does
 *   not force an election by inflating its term;
 * - thesis 6.2 / 4.2.3 check-quorum and leader lease: a leader that has not heard from a majority for an election
 *   timeout steps down, and a node that has heard from its leader within that timeout ignores vote requests;
 * - thesis 3.10 leadership transfer (in leaderControl.ts) and the `timeoutNow` campaign that skips pre-vote and
 *   lease.
 * Campaigning and voting are in election.ts, replication and commit in leader.ts and follower.ts.
 */

import { applyConfChangeToState, type ConfChange } from '../confChange.js'
import { RaftInvariantError } from '../errors.js'
import {
  type ConfState,
  createMessage,
  type EntryType,
  type HardState,
  type Message,
  type NodeId,
  noNode,
  type RaftRole,
  type SoftState,
} from '../types.js'
import * as election from './election.js'
import * as follower from './follower.js'
import * as leader from './leader.js'
import { type RaftConfig, type ResolvedRaftConfig, resolveRaftConfig } from './raftConfig.js'
import { RaftLog } from './raftLog.js'
import { ProgressTracker } from './tracker.js'

/** An entry before the leader numbers it. */
export type NewEntry = { type: EntryType; data: Uint8Array }

export class Raft {
  readonly id: NodeId
  readonly config: ResolvedRaftConfig
  term = 0
  vote: NodeId = noNode
  lead: NodeId = noNode
  role: RaftRole = 'follower'
  readonly log: RaftLog
  readonly tracker: ProgressTracker
  /** Messages to send, drained by `RawNode.ready()`. */
  msgs: Message[] = []
  electionElapsed = 0
  heartbeatElapsed = 0
  randomizedElectionTimeout = 0
  /** The follower leadership is being handed to, or {@link noNode}. */
  leadTransferee: NodeId = noNode
  /** Index of the latest conf change the leader appended; a new one waits until it is applied. */
  pendingConfIndex = 0

  constructor(options: RaftConfig) {
    this.config = resolveRaftConfig(options)
    this.id = this.config.id
    this.log = new RaftLog(this.config.storage, this.config.maxApplyBytes)
    this.tracker = new ProgressTracker(this.config.maxInflightMsgs)
    const { hardState, confState } = this.config.storage.initialState()
    this.tracker.setConfig(confState, this.log.lastIndex() + 1)
    this.loadHardState(hardState)
    if (this.config.applied > 0) this.log.appliedTo(Math.min(this.config.applied, this.log.committed))
    this.becomeFollower(this.term, noNode)
  }

  private loadHardState(state: HardState): void {
    if (state.commit < this.log.committed || state.commit > this.log.lastIndex()) {
      throw new RaftInvariantError(
        `hard state commit ${state.commit} is outside the stored log [${this.log.committed}, ${this.log.lastIndex()}]`,
      )
    }
    this.log.committed = state.commit
    this.term = state.term
    this.vote = state.vote
  }

  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.log.committed }
  }

  softState(): SoftState {
    return { lead: this.lead, role: this.role }
  }

  /** Whether this node may campaign: it is a voter in its own view of the configuration. */
  promotable(): boolean {
    return this.tracker.isVoter(this.id)
  }

  /** Queues a message from this node. Its term is the current term unless the caller sets one (votes do). */
  send(fields: Pick<Message, 'type' | 'to'> & Partial<Message>): void {
    this.msgs.push(createMessage({ from: this.id, term: this.term, ...fields }))
  }

  // -------------------------------------------------------------------------------------------------------------
  // Roles (section 5.2, Figure 4)

  private reset(term: number): void {
    if (this.term !== term) {
      this.term = term
      this.vote = noNode
    }
    this.lead = noNode
    this.electionElapsed = 0
    this.heartbeatElapsed = 0
    this.randomizedElectionTimeout =
      this.config.electionTick + Math.floor(this.config.random() * this.config.electionTick)
    this.leadTransferee = noNode
    this.tracker.resetVotes()
    const lastIndex = this.log.lastIndex()
    for (const [id, pr] of this.tracker.progress) {
      pr.becomeProbe()
      pr.match = id === this.id ? lastIndex : 0
      pr.next = lastIndex + 1
      pr.recentActive = id === this.id
    }
    this.pendingConfIndex = 0
  }

  becomeFollower(term: number, lead: NodeId): void {
    this.reset(term)
    this.lead = lead
    this.role = 'follower'
  }

  becomePreCandidate(): void {
    if (this.role === 'leader') throw new RaftInvariantError('a leader cannot become a pre-candidate')
    // Neither the term nor the vote changes: a pre-vote is a question, not a campaign (thesis 9.6).
    this.tracker.resetVotes()
    this.lead = noNode
    this.role = 'preCandidate'
  }

  becomeCandidate(): void {
    if (this.role === 'leader') throw new RaftInvariantError('a leader cannot become a candidate')
    this.reset(this.term + 1)
    this.vote = this.id
    this.role = 'candidate'
  }

  becomeLeader(): void {
    if (this.role === 'follower') throw new RaftInvariantError('a follower cannot become leader without an election')
    this.reset(this.term)
    this.lead = this.id
    this.role = 'leader'
    this.tracker.progress.get(this.id)?.becomeReplicate()
    // No conf change until everything before this term is applied (see confChange.ts on leader changes).
    this.pendingConfIndex = this.log.lastIndex()
    // The empty entry of the new term: committing it commits all earlier entries (section 5.4.2, 8).
    this.appendEntries([{ type: 'normal', data: new Uint8Array() }])
  }

  // -------------------------------------------------------------------------------------------------------------
  // Time

  tick(): void {
    if (this.role === 'leader') this.tickLeader()
    else this.tickElection()
  }

  private tickElection(): void {
    this.electionElapsed++
    if (this.promotable() && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0
      this.hup(false)
    }
  }

  private tickLeader(): void {
    this.heartbeatElapsed++
    this.electionElapsed++
    if (this.electionElapsed >= this.config.electionTick) {
      this.electionElapsed = 0
      if (this.config.checkQuorum) {
        if (!this.tracker.quorumActive(this.id)) {
          this.becomeFollower(this.term, noNode)
          return
        }
        for (const [id, pr] of this.tracker.progress) if (id !== this.id) pr.recentActive = false
      }
      // A transfer that did not finish within an election timeout is abandoned (thesis 3.10).
      if (this.leadTransferee !== noNode) this.leadTransferee = noNode
    }
    if (this.heartbeatElapsed >= this.config.heartbeatTick) {
      this.heartbeatElapsed = 0
      this.bcastHeartbeat()
    }
  }

  // -------------------------------------------------------------------------------------------------------------
  // Elections (election.ts)

  /** Starts an election (after a pre-vote unless `transfer`). Returns false when this node may not campaign. */
  hup(transfer: boolean): boolean {
    return election.hup(this, transfer)
  }

  // -------------------------------------------------------------------------------------------------------------
  // Messages

  step(m: Message): void {
    if (m.term > this.term) {
      if (m.type === 'vote' || m.type === 'preVote') {
        const inLease =
          this.config.checkQuorum && this.lead !== noNode && this.electionElapsed < this.config.electionTick
        // Leader lease (thesis 4.2.3): with a live leader, a vote request is a disruption, not an election.
        if (inLease && !m.leaderTransfer) return
      }
      if (m.type === 'preVote' || (m.type === 'preVoteResp' && !m.reject)) {
        // A pre-vote and a granted answer carry term + 1 without anyone having moved to it.
      } else if (m.type === 'app' || m.type === 'heartbeat' || m.type === 'snap') {
        this.becomeFollower(m.term, m.from)
      } else {
        this.becomeFollower(m.term, noNode)
      }
    } else if (m.term < this.term) {
      if ((this.config.checkQuorum || this.config.preVote) && (m.type === 'app' || m.type === 'heartbeat')) {
        // Tell a stale leader our term so it steps down; without this a node that bumped its term while
        // partitioned could never rejoin, since its pre-votes and lease keep others from moving to its term.
        this.send({ type: 'appResp', to: m.from })
      } else if (m.type === 'preVote') {
        this.send({ type: 'preVoteResp', to: m.from, reject: true })
      }
      return
    }

    if (m.type === 'vote' || m.type === 'preVote') {
      election.handleVoteRequest(this, m)
      return
    }
    switch (this.role) {
      case 'leader':
        leader.stepLeader(this, m)
        break
      case 'candidate':
      case 'preCandidate':
        election.stepCandidate(this, m)
        break
      case 'follower':
        follower.stepFollower(this, m)
        break
    }
  }

  // -------------------------------------------------------------------------------------------------------------
  // Configuration (section 6)

  /** Applies a committed conf change and returns the new configuration. Called by the application on apply. */
  applyConfChange(change: ConfChange): ConfState {
    const conf = applyConfChangeToState(this.tracker.confState(), change)
    this.switchToConfig(conf)
    return conf
  }

  // The leader's side of replication (leader.ts).
  stepLeader(m: Message): void {
    leader.stepLeader(this, m)
  }

  bcastAppend(): void {
    leader.bcastAppend(this)
  }

  bcastHeartbeat(): void {
    leader.bcastHeartbeat(this)
  }

  appendEntries(entries: NewEntry[]): { index: number; term: number } {
    return leader.appendEntries(this, entries)
  }

  switchToConfig(conf: ConfState): void {
    leader.switchToConfig(this, conf)
  }
}
