/**
 * Leader election (section 5.2) with the election restriction (section 5.4.1) and the pre-vote round (thesis
 * section 9.6): a node whose election timeout passes first asks, for term + 1 and without changing its own term,
 * whether a majority would vote for it; only then does it increment its term and request real votes. A vote goes
 * to at most one candidate per term, first come first served, and only to one whose log is at least as
 * up-to-date. `leaderTransfer` campaigns (from `timeoutNow`, thesis 3.10) skip the pre-vote.
 */
import { type Message, type MessageType, type NodeId, noNode } from '../types.js'
import { handleAppend, handleHeartbeat, handleSnapshot } from './follower.js'
import type { Raft } from './raft.js'
import type { VoteResult } from './tracker.js'

/** Starts an election (after a pre-vote unless `transfer`). Returns false when this node may not campaign. */
export function hup(r: Raft, transfer: boolean): boolean {
  if (r.role === 'leader' || !r.promotable()) return false
  // A conf change committed but not applied could change who votes: wait until it is applied.
  if (r.log.committed > r.log.applied) {
    const pending = r.log.slice(r.log.applied + 1, r.log.committed + 1, Number.POSITIVE_INFINITY)
    if (pending.some((e) => e.type === 'confChange')) return false
  }
  campaign(r, r.config.preVote && !transfer ? 'preVote' : 'vote', transfer)
  return true
}

function campaign(r: Raft, kind: 'preVote' | 'vote', transfer: boolean): void {
  let voteTerm: number
  if (kind === 'preVote') {
    r.becomePreCandidate()
    voteTerm = r.term + 1
  } else {
    r.becomeCandidate()
    voteTerm = r.term
  }
  if (poll(r, r.id, true) === 'won') {
    if (kind === 'preVote') campaign(r, 'vote', transfer)
    else r.becomeLeader()
    return
  }
  const index = r.log.lastIndex()
  const logTerm = r.log.lastTerm()
  for (const id of [...r.tracker.voters].sort()) {
    if (id === r.id) continue
    r.send({ type: kind, to: id, term: voteTerm, index, logTerm, leaderTransfer: transfer })
  }
}

function poll(r: Raft, id: NodeId, granted: boolean): VoteResult {
  r.tracker.recordVote(id, granted)
  return r.tracker.voteResult()
}

/** RequestVote and pre-vote receiver (section 5.2, 5.4.1; thesis 9.6). */
export function handleVoteRequest(r: Raft, m: Message): void {
  const responseType: MessageType = m.type === 'vote' ? 'voteResp' : 'preVoteResp'
  const canVote =
    r.vote === m.from || (r.vote === noNode && r.lead === noNode) || (m.type === 'preVote' && m.term > r.term)
  const upToDate = r.config.unsafeSkipVoteLogCheck || r.log.isUpToDate(m.index, m.logTerm)
  if (canVote && upToDate) {
    // The answer carries the request's term so that a pre-candidate counts it (it is not at that term yet).
    r.send({ type: responseType, to: m.from, term: m.term })
    if (m.type === 'vote') {
      r.electionElapsed = 0
      r.vote = m.from
    }
  } else {
    r.send({ type: responseType, to: m.from, reject: true })
  }
}

/** A (pre-)candidate: count votes, or follow a leader of its term that makes itself known. */
export function stepCandidate(r: Raft, m: Message): void {
  const myResponse: MessageType = r.role === 'preCandidate' ? 'preVoteResp' : 'voteResp'
  switch (m.type) {
    case 'app':
      r.becomeFollower(m.term, m.from)
      handleAppend(r, m)
      return
    case 'heartbeat':
      r.becomeFollower(m.term, m.from)
      handleHeartbeat(r, m)
      return
    case 'snap':
      r.becomeFollower(m.term, m.from)
      handleSnapshot(r, m)
      return
    default:
      if (m.type !== myResponse) return
      switch (poll(r, m.from, !m.reject)) {
        case 'won':
          if (r.role === 'preCandidate') {
            campaign(r, 'vote', false)
          } else {
            r.becomeLeader()
            r.bcastAppend()
          }
          break
        case 'lost':
          // A rejection at a higher term already made this node a follower in step().
          r.becomeFollower(r.term, noNode)
          break
        case 'pending':
          break
      }
  }
}
