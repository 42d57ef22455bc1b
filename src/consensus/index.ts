/**
 * Public surface of consensus/: the TaskConsensusEngine (Raft + BLS aggregation + chain) and its instance for
 * avskit's TaskManager, the operator authenticator for the Raft transport, signed join requests, and the HTTP
 * client of a member's API.
 */
export {
  type AvsSignedResponse,
  type AvsTaskRequest,
  type ComputeTaskResult,
  type CreateAvsTaskConsensusParameters,
  createAvsTaskConsensus,
  keccakOfTaskPayload,
  TaskRequestRefusedError,
} from './avsTaskConsensus.js'
export { ConsensusRequestError, fetchClusterStatus } from './consensusClient.js'
export type { ConsensusEntry, Submission } from './consensusEntries.js'
export { decodeConsensusJson, encodeConsensusJson } from './consensusJson.js'
export { consensusApiPrefix } from './consensusRoutes.js'
export {
  ConsensusState,
  type ConsensusStateEvent,
  type MemberAddress,
  type TaskRecord,
} from './consensusState.js'
export {
  type JoinRefusal,
  JoinRefusedError,
  type JoinRequest,
  signJoinRequest,
  verifyJoinRequest,
} from './joinRequest.js'
export {
  type BatchRefusal,
  batchDigest,
  createOperatorAuthenticator,
  type OperatorAuthenticator,
} from './operatorAuthenticator.js'
export { createRegistrationCheck, type RegistrationCheck } from './registrationCheck.js'
export { createTaskConsensusEngine } from './taskConsensusEngine.js'
export type {
  CertifiedTask,
  ClusterMember,
  ClusterStatus,
  CreateTaskConsensusEngineParameters,
  RaftTimingOptions,
  SignedTaskResponse,
  TaskConsensusCallbacks,
  TaskConsensusEngine,
  TaskConsensusEvents,
  TaskDescription,
  TaskView,
} from './taskConsensusTypes.js'
