/**
 * When the messages of a `Ready` may leave. Normally only after its hard state and entries are durable: a vote or
 * an acknowledgement must never be forgotten by a crash after it was sent (paper Figure 2: persistent state is
 * "updated on stable storage before responding to RPCs").
 *
 * A leader may send AppendEntries before its own write completes (thesis section 10.2.1): its disk write then
 * overlaps its followers', and an entry counts as committed only once a majority stores it, which the leader
 * learns from acknowledgements processed after this write. The exception is a Ready that also changes the term
 * (a single-voter cluster electing itself): its term and vote must be durable before anything is sent, or a crash
 * could let the node vote again in the term it led.
 */
import type { Ready } from '../core/rawNode.js'
import type { RaftRole } from '../types.js'

export function canSendBeforePersist(rd: Ready, role: RaftRole, durableTerm: number): boolean {
  return (
    role === 'leader' && rd.snapshot === undefined && (rd.hardState === undefined || rd.hardState.term === durableTerm)
  )
}
