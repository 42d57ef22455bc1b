/**
 * Options of the Raft core. Times are in ticks: the core has no clock, the caller calls `tick()` at a fixed
 * interval (the node runner's `tickMs`). Defaults are etcd-io/raft's, where it has them.
 */
import { InvalidInputError } from '../../core/errors.js'
import type { RaftStorage } from '../storage/raftStorage.js'
import type { NodeId } from '../types.js'

export type RaftConfig = {
  id: NodeId
  storage: RaftStorage
  /**
   * Ticks without hearing from a leader before a follower campaigns. The actual timeout is drawn uniformly from
   * `[electionTick, 2 × electionTick)` each time (section 5.2, randomized election timeouts). Must exceed
   * `heartbeatTick`; etcd recommends 10 × heartbeatTick.
   */
  electionTick: number
  /** Ticks between a leader's heartbeats. */
  heartbeatTick: number
  /** The last index the application has applied (on restart); entries after it are handed out again. */
  applied?: number | undefined
  /** Payload bytes per AppendEntries message (etcd's MaxSizePerMsg; 1 MiB is etcd server's default). */
  maxMsgBytes?: number | undefined
  /** AppendEntries in flight per follower in `replicate` state (etcd server's default is 256). */
  maxInflightMsgs?: number | undefined
  /** Payload bytes of committed entries handed out by one Ready. */
  maxApplyBytes?: number | undefined
  /**
   * A leader steps down when it has not heard from a majority within an election timeout, and followers ignore
   * vote requests while they have a live leader (thesis section 6.2 and 4.2.3). Default true.
   */
  checkQuorum?: boolean | undefined
  /** Run a pre-vote round before incrementing the term (thesis section 9.6). Default true. */
  preVote?: boolean | undefined
  /** A learner may be promoted once its log is within this many entries of the leader's. Default 128. */
  learnerPromotionMaxLag?: number | undefined
  /** Source of randomness for election timeouts, in `[0, 1)`. Defaults to `Math.random`; simulations seed it. */
  random?: (() => number) | undefined
  /**
   * TEST ONLY: grant votes without the election restriction of section 5.4.1 (up-to-date logs). Exists so that
   * the simulator can prove it catches a broken safety rule. Never set it in a real cluster.
   */
  unsafeSkipVoteLogCheck?: boolean | undefined
}

export type ResolvedRaftConfig = { [K in keyof RaftConfig]-?: Exclude<RaftConfig[K], undefined> }

export function resolveRaftConfig(config: RaftConfig): ResolvedRaftConfig {
  if (config.id === '') throw new InvalidInputError('invalid raft config: id must not be empty')
  if (!Number.isInteger(config.heartbeatTick) || config.heartbeatTick < 1) {
    throw new InvalidInputError(
      `invalid raft config: heartbeatTick must be a positive integer, got ${config.heartbeatTick}`,
    )
  }
  if (!Number.isInteger(config.electionTick) || config.electionTick <= config.heartbeatTick) {
    throw new InvalidInputError(
      `invalid raft config: electionTick must be an integer above heartbeatTick (${config.heartbeatTick}), got ${config.electionTick}`,
    )
  }
  const maxInflightMsgs = config.maxInflightMsgs ?? 256
  if (!Number.isInteger(maxInflightMsgs) || maxInflightMsgs < 1) {
    throw new InvalidInputError(
      `invalid raft config: maxInflightMsgs must be a positive integer, got ${maxInflightMsgs}`,
    )
  }
  return {
    id: config.id,
    storage: config.storage,
    electionTick: config.electionTick,
    heartbeatTick: config.heartbeatTick,
    applied: config.applied ?? 0,
    maxMsgBytes: config.maxMsgBytes ?? 1024 * 1024,
    maxInflightMsgs,
    maxApplyBytes: config.maxApplyBytes ?? 64 * 1024 * 1024,
    checkQuorum: config.checkQuorum ?? true,
    preVote: config.preVote ?? true,
    learnerPromotionMaxLag: config.learnerPromotionMaxLag ?? 128,
    random: config.random ?? Math.random,
    unsafeSkipVoteLogCheck: config.unsafeSkipVoteLogCheck ?? false,
  }
}
