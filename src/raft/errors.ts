/**
 * Errors raised by the Raft package. All extend avskit's `BaseError`; the ones a caller is expected to handle
 * (a proposal made on a follower, a log position that is gone) have their own class.
 */
import { BaseError, type BaseErrorParameters } from '../core/errors.js'
import type { NodeId } from './types.js'

export class RaftError extends BaseError {
  override name = 'RaftError'
}

/** A proposal reached a node that is not the leader (or a leader that is transferring leadership). */
export class NotLeaderError extends RaftError {
  override name = 'NotLeaderError'
  readonly leaderId: NodeId
  constructor(leaderId: NodeId, parameters: BaseErrorParameters = {}) {
    super(leaderId ? `not the leader: node ${leaderId} leads` : 'not the leader: no leader is known', {
      metaMessages: ['Send the proposal to the leader, or retry once a leader is elected.'],
      ...parameters,
    })
    this.leaderId = leaderId
  }
}

/** A proposal was accepted but a different entry was committed at its index (leadership changed first). */
export class ProposalDroppedError extends RaftError {
  override name = 'ProposalDroppedError'
}

/** A configuration change was refused (another is pending, a learner has not caught up, the change is invalid). */
export class ConfChangeRejectedError extends RaftError {
  override name = 'ConfChangeRejectedError'
}

/** The requested log position was discarded by compaction (section 7); the caller needs the snapshot. */
export class LogCompactedError extends RaftError {
  override name = 'LogCompactedError'
  constructor(index: number, firstIndex: number) {
    super(`log index ${index} is compacted: the log starts at ${firstIndex}`)
  }
}

/** The requested snapshot is not available yet (it is being built). */
export class SnapshotUnavailableError extends RaftError {
  override name = 'SnapshotUnavailableError'
}

/** An invariant of the protocol would break; the node must stop rather than continue with a corrupt state. */
export class RaftInvariantError extends RaftError {
  override name = 'RaftInvariantError'
}

/** The write-ahead log on disk cannot be read back (corruption that is not a torn tail, or a gap). */
export class WalCorruptError extends RaftError {
  override name = 'WalCorruptError'
}

/** An operation did not complete in the time it was given (an election, a leadership transfer). */
export class RaftTimeoutError extends RaftError {
  override name = 'RaftTimeoutError'
}

/** The node was stopped while the operation waited. */
export class RaftStoppedError extends RaftError {
  override name = 'RaftStoppedError'
  constructor() {
    super('the Raft node is stopped')
  }
}
