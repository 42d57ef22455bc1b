/**
 * avskit's Raft: a deterministic core after etcd-io/raft (`RawNode`: tick / step / propose / ready / advance), a
 * node runner that owns timers, the write-ahead log and the transport (`createRaftNode`), a gRPC transport with
 * an injected authenticator, and a seeded simulator that checks the paper's safety properties. It knows nothing
 * of AVSs: identities are strings and entries are bytes.
 */

export {
  applyConfChangeToState,
  type ConfChange,
  type ConfChangeType,
  decodeConfChange,
  encodeConfChange,
} from './confChange.js'
export type { RaftConfig } from './core/raftConfig.js'
export { type RaftStatus, RawNode, type Ready } from './core/rawNode.js'
export {
  ConfChangeRejectedError,
  LogCompactedError,
  NotLeaderError,
  ProposalDroppedError,
  RaftError,
  RaftInvariantError,
  RaftStoppedError,
  RaftTimeoutError,
  WalCorruptError,
} from './errors.js'
export { MemoryTransportHub } from './node/memoryTransport.js'
export { createRaftNode, RaftNode, type RaftNodeOptions } from './node/raftNode.js'
export type {
  CommittedEntry,
  ConfChangeListener,
  RaftStateMachine,
  RaftTransport,
  RaftTransportHandler,
} from './node/raftNodeTypes.js'
export { canSendBeforePersist } from './node/readyPolicy.js'
export { runSimulation, type SimulationOptions, type SimulationResult } from './sim/simulation.js'
export { type BootstrapMember, bootstrapEntries } from './storage/bootstrap.js'
export { MemoryStorage } from './storage/memoryStorage.js'
export type { RaftStorage } from './storage/raftStorage.js'
export {
  createSharedSecretAuthenticator,
  type RaftAuthenticator,
  unauthenticatedPeers,
} from './transport/authenticator.js'
export { createGrpcTransport, type GrpcTransport, type GrpcTransportOptions } from './transport/grpcTransport.js'
export {
  type ConfState,
  type Entry,
  type EntryType,
  type HardState,
  type Message,
  type MessageType,
  type NodeId,
  noNode,
  type RaftRole,
  type Snapshot,
  type SnapshotMetadata,
  type SoftState,
} from './types.js'
export { openWalStorage, type WalStorage } from './wal/openWalStorage.js'
export { Wal, type WalContents, type WalOptions, type WalUpdate } from './wal/wal.js'
