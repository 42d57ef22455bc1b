/**
 * The configuration and what the leader knows about each member (etcd-io/raft's `ProgressTracker`, without joint
 * consensus: changes are single-server, see confChange.ts). Majorities are computed over voters only; learners
 * are replicated to but never counted.
 */
import type { ConfState, NodeId } from '../types.js'
import { Progress } from './progress.js'

export type VoteResult = 'won' | 'lost' | 'pending'

export class ProgressTracker {
  voters = new Set<NodeId>()
  learners = new Set<NodeId>()
  progress = new Map<NodeId, Progress>()
  votes = new Map<NodeId, boolean>()

  constructor(private readonly maxInflight: number) {}

  /** Replaces the configuration; members keep their progress, new ones start probing from `nextIndex`. */
  setConfig(conf: ConfState, nextIndex: number): void {
    this.voters = new Set(conf.voters)
    this.learners = new Set(conf.learners)
    for (const id of [...this.progress.keys()]) {
      if (!this.voters.has(id) && !this.learners.has(id)) this.progress.delete(id)
    }
    for (const id of [...this.voters, ...this.learners]) {
      const existing = this.progress.get(id)
      if (existing) {
        existing.isLearner = this.learners.has(id)
      } else {
        const pr = new Progress(nextIndex, this.maxInflight, this.learners.has(id))
        // A new member counts as active, or check-quorum could depose the leader right after adding it.
        pr.recentActive = true
        this.progress.set(id, pr)
      }
    }
  }

  confState(): ConfState {
    return { voters: [...this.voters].sort(), learners: [...this.learners].sort() }
  }

  isVoter(id: NodeId): boolean {
    return this.voters.has(id)
  }

  quorum(): number {
    return Math.floor(this.voters.size / 2) + 1
  }

  /**
   * The highest index stored on a majority of voters (the leader's commit rule, section 5.3): the quorum-th largest
   * `match`. With no voters nothing can be committed.
   */
  committedIndex(): number {
    if (this.voters.size === 0) return 0
    const matches: number[] = []
    for (const id of this.voters) matches.push(this.progress.get(id)?.match ?? 0)
    matches.sort((a, b) => b - a)
    return matches[this.quorum() - 1] as number
  }

  recordVote(id: NodeId, granted: boolean): void {
    if (!this.votes.has(id)) this.votes.set(id, granted)
  }

  resetVotes(): void {
    this.votes = new Map()
  }

  /** Won with a majority of voters granting, lost once a majority can no longer grant. */
  voteResult(): VoteResult {
    let granted = 0
    let rejected = 0
    for (const id of this.voters) {
      const vote = this.votes.get(id)
      if (vote === true) granted++
      else if (vote === false) rejected++
    }
    const quorum = this.quorum()
    if (granted >= quorum) return 'won'
    if (this.voters.size - rejected < quorum) return 'lost'
    return 'pending'
  }

  /** A majority of voters was heard from recently (check-quorum, thesis section 6.2). `self` always counts. */
  quorumActive(self: NodeId): boolean {
    let active = 0
    for (const id of this.voters) {
      if (id === self || this.progress.get(id)?.recentActive) active++
    }
    return active >= this.quorum()
  }
}
