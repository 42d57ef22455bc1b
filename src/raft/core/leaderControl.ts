/**
 * What an application asks of a leader: proposals, configuration changes (section 6, single-server as in thesis
 * section 4.1), leadership transfer (thesis section 3.10), and the transport's feedback about unreachable peers and
 * snapshot delivery.
 */

import { type ConfChange, encodeConfChange } from '../confChange.js'
import { ConfChangeRejectedError, NotLeaderError, ProposalDroppedError } from '../errors.js'
import type { NodeId } from '../types.js'
import { appendEntries, bcastAppend, sendAppend, sendTimeoutNow } from './leader.js'
import type { Raft } from './raft.js'

export type Proposed = { index: number; term: number }

function assertLeader(r: Raft): void {
  if (r.role !== 'leader') throw new NotLeaderError(r.lead)
  if (r.leadTransferee !== '') {
    // Thesis 3.10: the old leader stops accepting requests while it hands over, or the transfer may never end.
    throw new ProposalDroppedError(`leadership is being transferred to ${r.leadTransferee}`)
  }
  if (!r.tracker.isVoter(r.id)) throw new NotLeaderError('', { details: 'this leader was removed from the cluster' })
}

/** Appends normal entries to the leader's log and replicates them. Throws `NotLeaderError` on a non-leader. */
export function propose(r: Raft, data: Uint8Array[]): Proposed {
  assertLeader(r)
  const proposed = appendEntries(
    r,
    data.map((d) => ({ type: 'normal' as const, data: d })),
  )
  bcastAppend(r)
  return proposed
}

/**
 * Appends a configuration change. Refused while another change is not yet applied (one at a time keeps every
 * pair of successive configurations overlapping in a majority), for a voter added without first catching up as
 * a learner (thesis 4.2.1), and for changes that make no sense against the current configuration.
 */
export function proposeConfChange(r: Raft, change: ConfChange): Proposed {
  assertLeader(r)
  if (r.pendingConfIndex > r.log.applied) {
    throw new ConfChangeRejectedError(
      `a configuration change (index ${r.pendingConfIndex}) is not applied yet (applied ${r.log.applied})`,
    )
  }
  const id = change.nodeId
  const isVoter = r.tracker.voters.has(id)
  const isLearner = r.tracker.learners.has(id)
  switch (change.type) {
    case 'addLearner':
      if (isVoter || isLearner) throw new ConfChangeRejectedError(`${id} is already a member`)
      break
    case 'addVoter': {
      if (isVoter) throw new ConfChangeRejectedError(`${id} is already a voter`)
      if (!isLearner) {
        throw new ConfChangeRejectedError(`${id} must join as a learner and catch up before it becomes a voter`)
      }
      const pr = r.tracker.progress.get(id)
      const lag = r.log.lastIndex() - (pr?.match ?? 0)
      if (pr?.state !== 'replicate' || lag > r.config.learnerPromotionMaxLag) {
        throw new ConfChangeRejectedError(`learner ${id} has not caught up`, {
          details: `${lag} entries behind (at most ${r.config.learnerPromotionMaxLag}), replication state ${pr?.state}`,
        })
      }
      break
    }
    case 'removeNode':
      if (!isVoter && !isLearner) throw new ConfChangeRejectedError(`${id} is not a member`)
      if (isVoter && r.tracker.voters.size === 1) throw new ConfChangeRejectedError(`${id} is the last voter`)
      break
  }
  const proposed = appendEntries(r, [{ type: 'confChange', data: encodeConfChange(change) }])
  r.pendingConfIndex = proposed.index
  bcastAppend(r)
  return proposed
}

/**
 * Hands leadership to `to` (thesis 3.10): replicate until its log matches ours, then tell it to campaign at once
 * (`timeoutNow`). Abandoned if it does not complete within an election timeout.
 */
export function transferLeadership(r: Raft, to: NodeId): void {
  if (r.role !== 'leader') throw new NotLeaderError(r.lead)
  if (to === r.id) return
  if (!r.tracker.isVoter(to)) throw new ConfChangeRejectedError(`cannot transfer leadership to ${to}: not a voter`)
  if (r.leadTransferee === to) return
  r.leadTransferee = to
  r.electionElapsed = 0
  const pr = r.tracker.progress.get(to)
  if (pr && pr.match === r.log.lastIndex()) sendTimeoutNow(r, to)
  else sendAppend(r, to, true)
}

/** The transport could not deliver to `id`: stop streaming optimistically and probe again. */
export function reportUnreachable(r: Raft, id: NodeId): void {
  if (r.role !== 'leader') return
  const pr = r.tracker.progress.get(id)
  if (pr?.state === 'replicate') pr.becomeProbe()
}

/**
 * The transport finished sending a snapshot to `id`. Either way the follower goes back to probing; on failure the
 * snapshot is forgotten so it is sent again. The probe waits for the next heartbeat response, giving the follower
 * time to install the snapshot.
 */
export function reportSnapshot(r: Raft, id: NodeId, ok: boolean): void {
  if (r.role !== 'leader') return
  const pr = r.tracker.progress.get(id)
  if (pr?.state !== 'snapshot') return
  if (!ok) pr.pendingSnapshot = 0
  pr.becomeProbe()
  pr.probeSent = true
}
