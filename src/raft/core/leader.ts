/**
 * The leader's half of log replication (section 5.3) and commitment (section 5.4.2):
 * - each follower is probed until the logs agree, then entries stream to it with at most `maxInflightMsgs`
 *   AppendEntries unacknowledged (progress.ts, inflights.ts);
 * - a rejection carries the follower's hint (follower.ts) and the leader jumps back by whole terms with
 *   `findConflictByTerm` rather than one index per round trip (the optimisation the paper sketches at the end of
 *   section 5.3);
 * - an index is committed once a majority of voters stores it and its entry is from the current term;
 * - a follower whose needed entries were compacted gets the snapshot instead (InstallSnapshot, section 7);
 * - heartbeats carry `min(match, commit)` so a follower never learns a commit index beyond what it has matched.
 */
import { LogCompactedError } from '../errors.js'
import type { ConfState, Entry, Message, NodeId } from '../types.js'
import type { NewEntry, Raft } from './raft.js'

export function stepLeader(r: Raft, m: Message): void {
  const pr = r.tracker.progress.get(m.from)
  if (!pr) return // a response from a node no longer (or not yet) in the configuration
  switch (m.type) {
    case 'appResp': {
      pr.recentActive = true
      if (m.reject) {
        let nextProbe = m.rejectHint
        if (m.logTerm > 0) nextProbe = r.log.findConflictByTerm(m.rejectHint, m.logTerm).index
        if (pr.maybeDecreaseTo(m.index, nextProbe)) {
          if (pr.state === 'replicate') pr.becomeProbe()
          sendAppend(r, m.from, true)
        }
        return
      }
      const wasPaused = pr.isPaused()
      if (!pr.maybeUpdate(m.index)) return
      if (pr.state === 'probe') {
        pr.becomeReplicate()
      } else if (pr.state === 'snapshot' && (pr.match >= pr.pendingSnapshot || pr.match + 1 >= r.log.firstIndex())) {
        pr.becomeProbe()
        pr.becomeReplicate()
      } else if (pr.state === 'replicate') {
        pr.inflights.freeLE(m.index)
      }
      if (maybeCommit(r)) bcastAppend(r)
      else if (wasPaused) sendAppend(r, m.from, true)
      while (sendAppend(r, m.from, false)) {}
      if (m.from === r.leadTransferee && pr.match === r.log.lastIndex()) sendTimeoutNow(r, m.from)
      return
    }
    case 'heartbeatResp':
      pr.recentActive = true
      pr.probeSent = false
      if (pr.state === 'replicate' && pr.inflights.full()) pr.inflights.freeFirstOne()
      if (pr.match < r.log.lastIndex()) sendAppend(r, m.from, true)
      return
    default:
      return
  }
}

/**
 * Sends the follower what it needs next: entries from `next`, or the snapshot when they are compacted. Returns
 * whether a message was sent. With `sendIfEmpty` false nothing is sent when there are no entries.
 */
export function sendAppend(r: Raft, to: NodeId, sendIfEmpty: boolean): boolean {
  const pr = r.tracker.progress.get(to)
  if (!pr || pr.isPaused()) return false
  const prevIndex = pr.next - 1
  const prevTerm = r.log.term(prevIndex)
  let entries: Entry[] | undefined
  if (prevTerm !== undefined) {
    try {
      entries = r.log.entries(pr.next, r.config.maxMsgBytes)
    } catch (error) {
      if (!(error instanceof LogCompactedError)) throw error
    }
  }
  if (prevTerm === undefined || entries === undefined) {
    // The entries are gone: send the snapshot, but only to a follower known to be alive (it is large).
    if (!pr.recentActive) return false
    const snapshot = r.log.snapshot()
    pr.becomeSnapshot(snapshot.metadata.index)
    r.send({ type: 'snap', to, snapshot })
    return true
  }
  if (entries.length === 0 && !sendIfEmpty) return false
  r.send({ type: 'app', to, index: prevIndex, logTerm: prevTerm, entries, commit: r.log.committed })
  const last = entries[entries.length - 1]
  if (last) {
    if (pr.state === 'replicate') {
      pr.optimisticUpdate(last.index)
      pr.inflights.add(last.index)
    } else if (pr.state === 'probe') {
      pr.probeSent = true
    }
  }
  return true
}

export function bcastAppend(r: Raft): void {
  for (const id of r.tracker.progress.keys()) if (id !== r.id) sendAppend(r, id, true)
}

export function bcastHeartbeat(r: Raft): void {
  for (const [id, pr] of r.tracker.progress) {
    if (id === r.id) continue
    r.send({ type: 'heartbeat', to: id, commit: Math.min(pr.match, r.log.committed) })
  }
}

/** Numbers entries in the current term, appends them to the leader's log and commits what a majority holds. */
export function appendEntries(r: Raft, entries: NewEntry[]): { index: number; term: number } {
  let index = r.log.lastIndex()
  const numbered: Entry[] = entries.map((e) => ({ term: r.term, index: ++index, type: e.type, data: e.data }))
  const last = r.log.append(numbered)
  r.tracker.progress.get(r.id)?.maybeUpdate(last)
  maybeCommit(r)
  return { index: last, term: r.term }
}

/** Advances commit to the highest index a majority of voters stores, if its entry is from this term. */
export function maybeCommit(r: Raft): boolean {
  return r.log.maybeCommit(r.tracker.committedIndex(), r.term)
}

export function sendTimeoutNow(r: Raft, to: NodeId): void {
  r.send({ type: 'timeoutNow', to })
}

/**
 * Adopts a configuration (a conf change was applied, section 6). A leader no longer in it hands over to its most
 * caught-up voter and steps down (thesis 4.2.2: a removed leader steps down once the change is committed).
 */
export function switchToConfig(r: Raft, conf: ConfState): void {
  r.tracker.setConfig(conf, r.log.lastIndex() + 1)
  if (r.role !== 'leader') return
  if (r.leadTransferee !== '' && !r.tracker.isVoter(r.leadTransferee)) r.leadTransferee = ''
  if (!r.tracker.isVoter(r.id)) {
    const lastIndex = r.log.lastIndex()
    const successor = [...r.tracker.voters].sort().find((id) => r.tracker.progress.get(id)?.match === lastIndex)
    if (successor) sendTimeoutNow(r, successor)
    r.becomeFollower(r.term, '')
    return
  }
  // The quorum may have shrunk (a removal), so more may be committed; new members need entries.
  if (maybeCommit(r)) bcastAppend(r)
  else for (const id of r.tracker.progress.keys()) if (id !== r.id) sendAppend(r, id, false)
}
