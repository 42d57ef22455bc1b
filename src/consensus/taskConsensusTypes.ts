/**
 * The vocabulary of the TaskConsensusEngine: what an AVS supplies (callbacks, after EigenShift's
 * `TaskConsensusCallbacks`, plus the three the original left to the developer: how a request becomes an
 * aggregation task, how a certificate is submitted, and what the leader does while it leads) and what the engine
 * reports (cluster status, events).
 */
import type { Address, Hex } from 'viem'
import type { Certificate } from '../aggregation/index.js'
import type { ChainClient } from '../chain/clients.js'
import type { Logger } from '../core/logger.js'
import type { Metrics } from '../core/metrics.js'
import type { G1Point } from '../crypto/index.js'
import type { Submission } from './consensusEntries.js'
import type { MemberAddress } from './consensusState.js'

/** The default signed response (the original's `SignedTaskResponse`): a response, its BLS signature, the signer. */
export type SignedTaskResponse<Response> = { response: Response; signature: G1Point; operatorId: Hex }

/** How a request is aggregated: the aggregation service's task parameters, fixed by the leader when it sends it. */
export type TaskDescription = {
  /** Unique per task; the key of the task in the cluster. */
  taskIndex: bigint
  /** Block at which the operator set and stakes are read. */
  referenceBlock: bigint
  /** Ascending, distinct. */
  quorumNumbers: readonly number[]
  /** One percentage per quorum, or one for all. */
  thresholdPercentages: readonly number[] | number
  /** Milliseconds since the epoch; give this and/or `expiryBlock`. */
  expiresAt?: number | undefined
  expiryBlock?: bigint | undefined
  /** Once the threshold is met, keep collecting this long before certifying. */
  collectionWindowMs?: number | undefined
}

/** A certified task, handed to `submitCertificate` on the leader. */
export type CertifiedTask<Request> = {
  taskIndex: bigint
  request: Request
  /** The response the winning signers signed (as carried in the log: JSON values). */
  response: unknown
  certificate: Certificate
}

export type TaskConsensusCallbacks<Request, Response, Signed extends SignedTaskResponse<Response>> = {
  /**
   * A member (the leader included) received a task request through the log: check it and compute the response.
   * Throw to refuse to sign (the request does not match the chain, for one). Runs outside the apply path.
   */
  onTaskRequest: (request: Request) => Promise<Response> | Response
  /** Signs the response (BLS); the result is sent to the leader. */
  onSubmitTaskToLeader: (request: Request, response: Response) => Promise<Signed> | Signed
  /** Whether an address is a registered operator: asked for every Raft peer and every join request (cached). */
  isValidOperator: (address: string) => Promise<boolean>
  /**
   * The leader received a signed response: the task it answers and the digest that was signed. The response came
   * over the network: throw `InvalidInputError` when it is malformed.
   */
  onLeaderProcessTaskResponse: (response: Response) => { taskIndex: bigint; digest: Hex }
  /** Where an operator's Raft and HTTP endpoints are, for a member the replicated directory has no address for. */
  fetchOperatorUrl?: ((operator: string) => Promise<MemberAddress | undefined>) | undefined
  /** Called on the leader by `sendTaskRequest`: how the request is aggregated. */
  describeTask: (request: Request) => TaskDescription
  /**
   * Submits a certificate on the leader. Must check the chain first and answer `{ alreadyResponded: true }` when the
   * task has a response already (a previous leader may have submitted just before it failed), and
   * `{ failed: reason }` for a submission that can never succeed; other errors are retried. The outcome is recorded
   * in the log, so the certificate is submitted by one leader only.
   */
  submitCertificate: (task: CertifiedTask<Request>) => Promise<Submission>
  /**
   * Runs on the leader while it leads (aborted when it stops leading), once the leader has caught up with the log:
   * the place to watch for new tasks and call `sendTaskRequest`. Restarted with backoff if it fails.
   */
  whileLeader?: ((context: { signal: AbortSignal }) => Promise<void>) | undefined
}

export type ClusterMember = {
  id: string
  suffrage: 'voter' | 'learner'
  raftAddress: string | null
  httpUrl: string | null
  /** On the leader: the highest log index known to be replicated on the member. */
  match?: number | undefined
}

export type InFlightTask = { taskIndex: string; signers: number; createdAt: number }

/** What `GET /consensus/v1/status` and `avskit cluster status` report. */
export type ClusterStatus = {
  id: string
  role: 'follower' | 'preCandidate' | 'candidate' | 'leader'
  leaderId: string | null
  leaderUrl: string | null
  term: number
  commit: number
  applied: number
  firstIndex: number
  lastIndex: number
  members: ClusterMember[]
  tasks: {
    pending: number
    certified: number
    submitted: number
    expired: number
    lastTaskIndex: string | null
    inFlight: InFlightTask[]
  }
}

/** One task as the cluster recorded it (`GET /consensus/v1/tasks/:index`). */
export type TaskView = {
  taskIndex: string
  status: 'pending' | 'certified' | 'expired'
  request: unknown
  referenceBlock: string
  quorumNumbers: number[]
  thresholdPercentages: number[]
  signers: Hex[]
  digest: Hex | null
  outcome: string | null
  submission: Submission | null
  createdAt: number
  finishedAt: number | null
}

export type TaskConsensusEvents = {
  /** A task's certificate was recorded (on every member, as the entry applies). */
  certified: { taskIndex: bigint; digest: Hex | null; certificate: unknown }
  /** A certificate's submission was recorded (on every member). */
  submitted: { taskIndex: bigint; submission: Submission }
  /** A task expired without reaching its thresholds (on every member). */
  expired: { taskIndex: bigint; outcome: string | null }
  /** This member's view of the leader changed. */
  leader: { leaderId: string | null; isLeader: boolean }
}

export type RaftTimingOptions = {
  tickMs?: number | undefined
  electionTicks?: number | undefined
  heartbeatTicks?: number | undefined
  /** Snapshot the state every this many applied entries (default 10,000). */
  snapshotEntries?: number | undefined
  snapshotCatchUpEntries?: number | undefined
}

export type CreateTaskConsensusEngineParameters<Request, Response, Signed extends SignedTaskResponse<Response>> = {
  /** The operator's ECDSA key: its address is the member's id; it signs Raft batches and join requests. */
  privateKey: Hex
  /** The operator's BLS operator id. */
  operatorId: Hex
  client: ChainClient
  registryCoordinator: Address
  operatorStateRetriever: Address
  /** Where BLS pubkey registrations are first looked for (the AVS deployment block). */
  fromBlock?: bigint | undefined
  /** Directory of the Raft write-ahead log and snapshots. */
  raftDir: string
  /** `host:port` of the Raft transport (gRPC); other members connect to it. Port 0 picks a free one. */
  raftAddress: string
  /** `host:port` of the member's HTTP API (join, responses, status, /metrics, /health, /ready). */
  httpAddress: string
  /** The HTTP URL other members use, when it differs from `http://<httpAddress>`. */
  advertisedHttpUrl?: string | undefined
  callbacks: TaskConsensusCallbacks<Request, Response, Signed>
  logger: Logger
  metrics?: Metrics | undefined
  /** Join requests are accepted when signed over one of the last this many blocks (default 50). */
  joinWindowBlocks?: number | undefined
  /** Raft batches are accepted within this many milliseconds of their timestamp (default 60 s). */
  batchWindowMs?: number | undefined
  /** Finished tasks kept in the replicated state (default 1000). */
  retainFinishedTasks?: number | undefined
  raft?: RaftTimingOptions | undefined
}

export type TaskConsensusEngine<Request> = {
  /** This member's id: the operator's checksummed address. */
  readonly id: Address
  /** The member's HTTP URL (after `start`). */
  readonly httpBindingUrl: string
  /** The member's Raft address (after `start`). */
  readonly raftAddress: string
  /** Opens the log and starts serving; with `bootstrap` a member with no state founds a one-member cluster. */
  start(options?: { bootstrap?: boolean | undefined }): Promise<void>
  /**
   * Joins the cluster a member at `url` belongs to, signing the request over `latestBlock`; resolves once this
   * member is a voter. A member that already holds cluster state only restarts. Starts the member if needed.
   */
  joinExistingCluster(url: string, latestBlock: bigint): Promise<void>
  isLeader(): { isLeader: boolean; leaderId: string | null }
  /** Resolves with the leader's id once one is known. */
  waitForLeader(timeoutMs?: number): Promise<string>
  /** On the leader: hands leadership to the next voter in the rotation; resolves with the new leader's id. */
  triggerElection(): Promise<string>
  /** On the leader: writes a task request to the log (a task index already known is ignored). */
  sendTaskRequest(request: Request): Promise<void>
  /** Whether the cluster knows the task (pending, finished, or pruned). */
  knowsTask(taskIndex: bigint): boolean
  /** The most recent task request in the log. */
  lastTaskRequest(): Request | undefined
  getMeta(key: string): unknown
  /** On the leader: records a small fact in the log (the AVS's task cursor, for one). */
  setMeta(key: string, value: unknown): Promise<void>
  /** On the leader: tasks whose expiry block is reached expire. */
  observeBlock(blockNumber: bigint): void
  status(): ClusterStatus
  task(taskIndex: bigint): TaskView | undefined
  on<E extends keyof TaskConsensusEvents>(event: E, listener: (payload: TaskConsensusEvents[E]) => void): () => void
  stop(): Promise<void>
}
