/**
 * The values a Raft node persists and exchanges (Ongaro & Ousterhout, "In Search of an Understandable Consensus
 * Algorithm", Figure 2). The shapes follow etcd-io/raft's `raftpb` so that each maps 1:1 onto `proto/raft.proto`:
 * one flat {@link Message} whose `type` says which fields matter, rather than one type per RPC.
 *
 * Indices and terms are JavaScript numbers: exact up to 2^53, which no log reaches.
 */

/** A member's identifier, unique in its cluster. The empty string means "nobody" (no leader, no vote). */
export type NodeId = string

/** No node: no leader known, no vote cast. */
export const noNode: NodeId = ''

export type EntryType = 'normal' | 'confChange'

/** One log entry. `data` is opaque to Raft for `normal` entries; `confChange` entries hold an encoded ConfChange. */
export type Entry = {
  term: number
  index: number
  type: EntryType
  data: Uint8Array
}

/** What must be on stable storage before a node answers an RPC (Figure 2, "Persistent state on all servers"). */
export type HardState = {
  term: number
  /** The candidate voted for in `term`, or {@link noNode}. */
  vote: NodeId
  /** Highest index known to be committed; persisted so a restart does not re-apply from scratch. */
  commit: number
}

/** Members of the cluster: voters count in elections and commit quorums, learners only receive the log. */
export type ConfState = {
  voters: NodeId[]
  learners: NodeId[]
}

export type SnapshotMetadata = {
  /** The last log index the snapshot covers (section 7: "last included index"). */
  index: number
  /** The term of that entry ("last included term"). */
  term: number
  /** The configuration as of `index`. */
  confState: ConfState
}

/** A state-machine image replacing every entry up to `metadata.index` (section 7). */
export type Snapshot = {
  metadata: SnapshotMetadata
  data: Uint8Array
}

/**
 * Message types exchanged between peers:
 * - `app` / `appResp`: AppendEntries and its answer (section 5.3); a rejection carries a hint for fast backtracking;
 * - `vote` / `voteResp`: RequestVote (section 5.2);
 * - `preVote` / `preVoteResp`: the pre-vote round (thesis section 9.6) sent for term + 1 without incrementing it;
 * - `heartbeat` / `heartbeatResp`: the empty AppendEntries a leader sends to keep its authority (section 5.2);
 * - `snap`: InstallSnapshot (section 7), answered by an `appResp`;
 * - `timeoutNow`: tells a caught-up follower to campaign at once (thesis section 3.10, leadership transfer).
 */
export type MessageType =
  | 'app'
  | 'appResp'
  | 'vote'
  | 'voteResp'
  | 'preVote'
  | 'preVoteResp'
  | 'heartbeat'
  | 'heartbeatResp'
  | 'snap'
  | 'timeoutNow'

export const messageTypes: readonly MessageType[] = [
  'app',
  'appResp',
  'vote',
  'voteResp',
  'preVote',
  'preVoteResp',
  'heartbeat',
  'heartbeatResp',
  'snap',
  'timeoutNow',
]

/** One Raft message. Fields a type does not use are zero, empty or false. */
export type Message = {
  type: MessageType
  from: NodeId
  to: NodeId
  term: number
  /** `app`: term of the entry at `index`; `vote`/`preVote`: term of the last entry; `appResp` reject: hint term. */
  logTerm: number
  /** `app`: index preceding `entries`; `appResp`: last index matched; `vote`/`preVote`: last log index. */
  index: number
  entries: Entry[]
  /** Leader's commit index (`app`, `heartbeat`). */
  commit: number
  reject: boolean
  /** `appResp` reject: the follower's guess of the last index that may match (section 5.3 optimisation). */
  rejectHint: number
  /** `vote`: the campaign follows a leadership transfer, so voters set aside their leader lease (thesis 4.2.3). */
  leaderTransfer: boolean
  snapshot?: Snapshot | undefined
}

/** Builds a message with every unused field at its zero value. */
export function createMessage(fields: Pick<Message, 'type' | 'from' | 'to' | 'term'> & Partial<Message>): Message {
  return {
    logTerm: 0,
    index: 0,
    entries: [],
    commit: 0,
    reject: false,
    rejectHint: 0,
    leaderTransfer: false,
    ...fields,
  }
}

export type RaftRole = 'follower' | 'preCandidate' | 'candidate' | 'leader'

/** Volatile state worth reporting: who leads and what this node is. */
export type SoftState = {
  lead: NodeId
  role: RaftRole
}

export function emptyHardState(): HardState {
  return { term: 0, vote: noNode, commit: 0 }
}

export function isHardStateEqual(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit
}
