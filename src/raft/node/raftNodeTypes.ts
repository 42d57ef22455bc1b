/**
 * What a `RaftNode` is wired to: the application's state machine and a transport to its peers. Both are
 * interfaces so that tests use in-memory ones and production uses the gRPC transport (../transport).
 */
import type { ConfChange } from '../confChange.js'
import type { ConfState, Message, NodeId, Snapshot } from '../types.js'

/** A committed normal entry handed to the state machine. */
export type CommittedEntry = { index: number; term: number; data: Uint8Array }

/**
 * The replicated state machine. Calls come one at a time, in log order. `apply` must not wait on the network
 * (thesis 10.2: applying is on the critical path of every later commit); waiting on a local disk is fine.
 */
export type RaftStateMachine = {
  /** Applies committed entries, in order. */
  apply(entries: readonly CommittedEntry[]): void | Promise<void>
  /** The state after the last applied entry, serialized for a snapshot (section 7). */
  snapshot(): Uint8Array | Promise<Uint8Array>
  /** Replaces the whole state with a snapshot's (on start, and when the leader sends one). */
  restore(snapshot: Snapshot): void | Promise<void>
}

/** What a transport calls on the node. */
export type RaftTransportHandler = {
  /** Messages that arrived from peers. */
  receive(messages: readonly Message[]): void
  /** A message to `peer` could not be delivered: the leader stops pipelining to it and probes. */
  reportUnreachable(peer: NodeId): void
  /** A snapshot to `peer` was delivered (`ok`) or failed. */
  reportSnapshot(peer: NodeId, ok: boolean): void
}

export type RaftTransport = {
  start(handler: RaftTransportHandler): Promise<void>
  /** Queues messages for their peers and returns at once: the Raft loop never waits on the network. */
  send(messages: readonly Message[]): void
  stop(): Promise<void>
}

/**
 * Called after each membership change is applied, on every node: the place to add or remove transport peers.
 * After a restart the changes after the last snapshot are applied again, so the listener must be idempotent.
 */
export type ConfChangeListener = (change: ConfChange, confState: ConfState) => void
