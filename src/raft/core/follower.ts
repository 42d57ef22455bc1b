/**
 * The receiving side of AppendEntries, heartbeats and InstallSnapshot (Figure 2 "Receiver implementation",
 * sections 5.3 and 7).
 *
 * On a failed consistency check the follower does not just say no: it answers with the largest index at or below
 * the leader's `prevLogIndex` whose term is at most the leader's `prevLogTerm` (`rejectHint`, with its term in
 * `logTerm`). Every entry between that index and the leader's probe has a term the leader's entry cannot match,
 * so the leader skips them all in one round trip instead of one index per round trip (section 5.3).
 */
import type { Message } from '../types.js'
import type { Raft } from './raft.js'

export function handleAppend(r: Raft, m: Message): void {
  if (m.index < r.log.committed) {
    // Already committed here: tell the leader how far we are, it resumes after that.
    r.send({ type: 'appResp', to: m.from, index: r.log.committed })
    return
  }
  const lastNew = r.log.maybeAppend(m.index, m.logTerm, m.commit, m.entries)
  if (lastNew !== undefined) {
    r.send({ type: 'appResp', to: m.from, index: lastNew })
    return
  }
  const hint = r.log.findConflictByTerm(Math.min(m.index, r.log.lastIndex()), m.logTerm)
  r.send({ type: 'appResp', to: m.from, index: m.index, reject: true, rejectHint: hint.index, logTerm: hint.term })
}

export function handleHeartbeat(r: Raft, m: Message): void {
  // The leader sends min(match, commit), which this log holds: committing it is safe.
  r.log.commitTo(Math.min(m.commit, r.log.lastIndex()))
  r.send({ type: 'heartbeatResp', to: m.from })
}

/**
 * InstallSnapshot receiver (section 7). A snapshot behind our commit index is stale; one whose last entry we
 * already hold only moves commit forward (the log after it is kept, receiver step 6); otherwise the log is
 * replaced by the snapshot and the configuration taken from it.
 */
export function handleSnapshot(r: Raft, m: Message): void {
  const snapshot = m.snapshot
  if (!snapshot) return
  const { index, term, confState } = snapshot.metadata
  // Stale, or arriving while the application still applies entries handed out before it: replacing the log and
  // configuration under those entries would apply their conf changes to the snapshot's newer configuration. The
  // leader sends the snapshot again after the transport reports this one delivered.
  if (index <= r.log.committed || r.log.applying > r.log.applied) {
    r.send({ type: 'appResp', to: m.from, index: r.log.committed })
    return
  }
  if (r.log.matchTerm(index, term)) {
    r.log.commitTo(index)
    r.send({ type: 'appResp', to: m.from, index: r.log.committed })
    return
  }
  r.log.restore(snapshot)
  r.tracker.setConfig(confState, r.log.lastIndex() + 1)
  r.send({ type: 'appResp', to: m.from, index: r.log.lastIndex() })
}

/** A follower: accept the leader's messages, or campaign at once when told to (leadership transfer). */
export function stepFollower(r: Raft, m: Message): void {
  switch (m.type) {
    case 'app':
      r.electionElapsed = 0
      r.lead = m.from
      handleAppend(r, m)
      break
    case 'heartbeat':
      r.electionElapsed = 0
      r.lead = m.from
      handleHeartbeat(r, m)
      break
    case 'snap':
      r.electionElapsed = 0
      r.lead = m.from
      handleSnapshot(r, m)
      break
    case 'timeoutNow':
      // Leadership transfer: campaign at once, without pre-vote, overriding the voters' lease.
      r.hup(true)
      break
    default:
      break
  }
}
