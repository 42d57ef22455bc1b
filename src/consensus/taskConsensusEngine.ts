/**
 * The TaskConsensusEngine: operators of an AVS form a Raft cluster (src/raft); the leader sends task requests,
 * every member (the leader too) answers with a BLS-signed response, and the leader aggregates them into a
 * stake-weighted certificate (src/aggregation) that it submits on chain. The surface follows EigenShift's
 * task-consensus engine (`start`, `joinExistingCluster`, `isLeader`, `triggerElection`, `sendTaskRequest`,
 * `httpBindingUrl`, and the callbacks `onTaskRequest`, `onSubmitTaskToLeader`, `isValidOperator`,
 * `onLeaderProcessTaskResponse`, `fetchOperatorUrl`); what it does differently:
 *
 * - Everything goes through the Raft log: task requests, every signed response the leader accepted, the
 *   certificate and its submission (consensusEntries.ts). The replicated state (consensusState.ts) is the Raft
 *   state machine, with real snapshots. A new leader resumes each in-flight aggregation with the signatures
 *   already collected, and a certificate is submitted once: the chain is checked before submitting and the
 *   submission is recorded in the log (leaderTerm.ts).
 * - The aggregation service runs on the leader only, over a repository that is the replicated state
 *   (stateAggregationRepository.ts): "accepted" means committed by a majority. Followers keep no aggregation
 *   state of their own; applying an entry never waits on the network.
 * - The leader signs its own tasks; every member checks a request against the chain before it signs
 *   (`onTaskRequest`; responseSender.ts).
 * - Every Raft peer is a registered operator: batches are signed with the operator's ECDSA key and bound to the
 *   chain and the RegistryCoordinator (operatorAuthenticator.ts); join requests are signed over a recent block
 *   (joinRequest.ts).
 * - `triggerElection` hands leadership to the next voter in id order (a fair rotation, not a ping-pong).
 *
 * @example
 * const engine = createTaskConsensusEngine({ privateKey, operatorId, client, registryCoordinator,
 *   operatorStateRetriever, raftDir, raftAddress: '127.0.0.1:7100', httpAddress: '127.0.0.1:7101', callbacks, logger })
 * await engine.start({ bootstrap: true }) // or: await engine.joinExistingCluster(url, await client.getBlockNumber())
 */
import { mkdir } from 'node:fs/promises'
import { privateKeyToAddress } from 'viem/accounts'
import { createChainReader, type ProcessResult } from '../aggregation/index.js'
import { BaseError, InvalidInputError } from '../core/errors.js'
import { createHttpService, type HttpService } from '../core/httpService.js'
import { createMetrics } from '../core/metrics.js'
import { initBn254 } from '../crypto/index.js'
import {
  type ConfChange,
  createGrpcTransport,
  createRaftNode,
  type GrpcTransport,
  NotLeaderError,
  openWalStorage,
  type RaftNode,
  type SoftState,
} from '../raft/index.js'
import { buildClusterStatus, taskView } from './clusterStatus.js'
import { postToMember } from './consensusClient.js'
import { type ConsensusEntry, encodeConsensusEntry, taskRowDataSchema } from './consensusEntries.js'
import { registerConsensusRoutes } from './consensusRoutes.js'
import { ConsensusState, encodeMemberContext, type MemberAddress } from './consensusState.js'
import { joinCluster } from './joinCluster.js'
import { verifyJoinRequest } from './joinRequest.js'
import { isLeadershipLost, type LeaderTerm, startLeaderTerm } from './leaderTerm.js'
import { resolveListenAddress } from './listenAddress.js'
import { createOperatorAuthenticator } from './operatorAuthenticator.js'
import { createRegistrationCheck } from './registrationCheck.js'
import { createResponseSender } from './responseSender.js'
import type {
  CreateTaskConsensusEngineParameters,
  SignedTaskResponse,
  TaskConsensusEngine,
  TaskConsensusEvents,
} from './taskConsensusTypes.js'

export function createTaskConsensusEngine<
  Request,
  Response,
  Signed extends SignedTaskResponse<Response> = SignedTaskResponse<Response>,
>(parameters: CreateTaskConsensusEngineParameters<Request, Response, Signed>): TaskConsensusEngine<Request> {
  const { client, callbacks, registryCoordinator } = parameters
  const metrics = parameters.metrics ?? createMetrics({ defaultMetrics: false })
  const controller = new AbortController()
  const id = privateKeyToAddress(parameters.privateKey)
  const logger = parameters.logger.child({ module: 'consensus', member: id })
  const registrations = createRegistrationCheck({
    isValidOperator: callbacks.isValidOperator,
    onRefreshError: (address, error) => logger.warn({ address, err: error }, 'operator registration refresh failed'),
  })
  const refusalsLogged = new Set<string>()
  const authenticator = createOperatorAuthenticator({
    privateKey: parameters.privateKey,
    chainId: client.chain.id,
    registryCoordinator,
    registrations,
    windowMs: parameters.batchWindowMs,
    onRefused: (peer, reason, error) => {
      // Once per peer and reason: a refused peer retries every few hundred milliseconds.
      if (refusalsLogged.has(`${peer}:${reason}`)) return
      refusalsLogged.add(`${peer}:${reason}`)
      logger.warn({ peer, reason, err: error }, 'raft batch refused')
    },
  })
  const reader = createChainReader({
    client,
    registryCoordinator,
    operatorStateRetriever: parameters.operatorStateRetriever,
    fromBlock: parameters.fromBlock,
  })
  const listeners: { [E in keyof TaskConsensusEvents]: Set<(payload: TaskConsensusEvents[E]) => void> } = {
    certified: new Set(),
    submitted: new Set(),
    expired: new Set(),
    leader: new Set(),
  }
  /** Addresses learned outside the log: join answers and `fetchOperatorUrl`. */
  const learned = new Map<string, MemberAddress>()
  const fetching = new Set<string>()
  const promoting = new Set<string>()
  let raft: RaftNode | undefined
  let transport: GrpcTransport | undefined
  let http: HttpService | undefined
  let httpUrl: string | undefined
  let raftAddress: string | undefined
  let hadState = false
  let term: LeaderTerm<Response> | undefined
  let reconciling: Promise<void> = Promise.resolve()
  let stopped = false

  function emit<E extends keyof TaskConsensusEvents>(event: E, payload: TaskConsensusEvents[E]) {
    for (const listener of listeners[event] as Set<(p: TaskConsensusEvents[E]) => void>) {
      try {
        listener(payload)
      } catch (error) {
        logger.error({ err: error, event }, 'consensus listener failed')
      }
    }
  }

  const state = new ConsensusState({
    retainFinishedTasks: parameters.retainFinishedTasks,
    onInvalidEntry: (index, reason) => logger.error({ index, reason }, 'skipped a log entry that does not decode'),
    onEvent: (event) => {
      switch (event.kind) {
        case 'task':
          responder.schedule(event.taskIndex)
          term?.taskApplied(event.taskIndex)
          return
        case 'finished': {
          const record = state.tasks.get(event.taskIndex)
          if (!raft?.isLeader()) return
          if (event.status === 'certified') {
            emit('certified', {
              taskIndex: event.taskIndex,
              digest: record?.digest ?? null,
              certificate: record?.certificate,
            })
          } else emit('expired', { taskIndex: event.taskIndex, outcome: record?.outcome ?? null })
          return
        }
        case 'submitted':
          if (raft?.isLeader()) emit('submitted', { taskIndex: event.taskIndex, submission: event.submission })
          return
        case 'restored':
          for (const task of state.pendingTasks()) responder.schedule(task.taskIndex)
          syncPeers()
          return
        default:
          return
      }
    },
  })

  function addressOf(member: string): MemberAddress | undefined {
    return state.members.get(member) ?? learned.get(member)
  }

  /** Points the transport at every member but this one; asks `fetchOperatorUrl` for members with no address. */
  function syncPeers() {
    if (!transport || !raft) return
    const conf = raft.status().confState
    for (const member of [...conf.voters, ...conf.learners]) {
      if (member === id) continue
      const address = addressOf(member)
      if (address) transport.setPeer(member, address.raftAddress)
      else if (callbacks.fetchOperatorUrl && !fetching.has(member)) {
        fetching.add(member)
        callbacks
          .fetchOperatorUrl(member)
          .then((found) => {
            if (!found) return
            learned.set(member, found)
            transport?.setPeer(member, found.raftAddress)
          })
          .catch((error: unknown) => logger.warn({ member, err: error }, 'fetchOperatorUrl failed'))
          .finally(() => fetching.delete(member))
      }
    }
  }

  function onConfChange(change: ConfChange) {
    state.applyConfChange(change)
    if (change.nodeId === id) return
    if (change.type === 'removeNode') transport?.removePeer(change.nodeId)
    else {
      const address = addressOf(change.nodeId)
      if (address) transport?.setPeer(change.nodeId, address.raftAddress)
      else syncPeers()
    }
  }

  function onSoftState(soft: SoftState) {
    emit('leader', { leaderId: soft.lead || null, isLeader: soft.role === 'leader' })
    reconcile()
  }

  /** Starts or stops the leader's duties to match Raft's view; serialized, so terms never overlap. */
  function reconcile() {
    reconciling = reconciling.then(async () => {
      const leading = !stopped && raft?.isLeader() === true
      if (leading && !term) {
        term = startLeaderTerm({ id, state, propose, reader, callbacks, logger, metrics })
        // Learners a previous leader did not get to promote (it failed mid-join) are promoted now.
        term.ready.then(promoteLearners, () => undefined)
      } else if (!leading && term) {
        const ending = term
        term = undefined
        await ending.stop()
      }
    })
  }

  /** On the leader: adds each learner as a voter once it has caught up (thesis 4.2.1), in the background. */
  function promoteLearners() {
    if (!raft?.isLeader()) return
    const node = raft
    for (const learner of node.status().confState.learners) {
      if (promoting.has(learner)) continue
      promoting.add(learner)
      const address = addressOf(learner)
      node
        .addMember(learner, address ? encodeMemberContext(address) : new Uint8Array(), 120_000)
        .then(
          () => logger.info({ member: learner }, 'member promoted to voter'),
          (error: unknown) => {
            if (!isLeadershipLost(error)) logger.warn({ err: error, member: learner }, 'promoting a learner failed')
          },
        )
        .finally(() => promoting.delete(learner))
    }
  }

  async function propose(entry: ConsensusEntry): Promise<{ index: number }> {
    if (!raft) throw new NotLeaderError('')
    return raft.propose(encodeConsensusEntry(entry))
  }

  const responder = createResponseSender<Request, Response, Signed>({
    state,
    operatorId: parameters.operatorId,
    callbacks,
    signal: controller.signal,
    logger,
    deliver: async (signed): Promise<ProcessResult> => {
      if (!raft) throw new NotLeaderError('')
      if (raft.isLeader()) {
        if (!term) throw new NotLeaderError('')
        return term.process(signed)
      }
      const leader = raft.leaderId()
      const url = leader ? addressOf(leader)?.httpUrl : undefined
      if (!url) throw new NotLeaderError(leader)
      const reply = await postToMember(url, '/responses', signed)
      const body = reply.body as { accepted?: boolean; code?: string; message?: string } | null
      if (reply.status !== 200 || !body) {
        throw new BaseError(`the leader at ${url} answered ${reply.status}`, { details: JSON.stringify(body) })
      }
      return body.accepted
        ? { status: 'accepted' }
        : { status: 'rejected', code: body.code as never, message: body.message ?? '' }
    },
  })

  const engine: TaskConsensusEngine<Request> = {
    id,
    get httpBindingUrl() {
      if (!httpUrl) throw new BaseError('the consensus engine is not started: no HTTP URL yet')
      return httpUrl
    },
    get raftAddress() {
      if (!raftAddress) throw new BaseError('the consensus engine is not started: no Raft address yet')
      return raftAddress
    },

    async start(options = {}) {
      if (raft) throw new BaseError('the consensus engine is already started')
      await initBn254()
      await mkdir(parameters.raftDir, { recursive: true, mode: 0o700 })
      hadState = await hasRaftState(parameters.raftDir)
      raftAddress = await resolveListenAddress(parameters.raftAddress)
      http = createHttpService({
        address: parameters.httpAddress,
        logger,
        metrics,
        readiness: () =>
          raft?.leaderId()
            ? { ready: true }
            : { ready: false, reason: 'no Raft leader known yet (joining, or an election is running)' },
      })
      registerConsensusRoutes(http.app, routeHandlers)
      const bound = await http.listen()
      httpUrl = parameters.advertisedHttpUrl ?? bound
      transport = createGrpcTransport({ id, listen: raftAddress, authenticator, logger, metrics })
      const self = { raftAddress, httpUrl }
      try {
        raft = await createRaftNode({
          id,
          dataDir: parameters.raftDir,
          transport,
          stateMachine: state,
          bootstrap: options.bootstrap && !hadState ? [{ id, context: encodeMemberContext(self) }] : undefined,
          onConfChange,
          onSoftState,
          ...parameters.raft,
          logger,
          metrics,
        })
        syncPeers()
        await raft.start()
      } catch (error) {
        await http.close()
        throw error
      }
      logger.info(
        { raft: raftAddress, http: httpUrl, resumed: hadState, bootstrap: Boolean(options.bootstrap && !hadState) },
        'consensus member started',
      )
    },

    async joinExistingCluster(url, latestBlock) {
      if (!raft) await engine.start({ bootstrap: false })
      const node = raft as RaftNode
      if (hadState) {
        logger.info('this member holds cluster state already: rejoining without a join request')
        return
      }
      await joinCluster({
        url,
        latestBlock,
        privateKey: parameters.privateKey,
        chainId: client.chain.id,
        registryCoordinator,
        self: { raftAddress: engine.raftAddress, httpUrl: engine.httpBindingUrl },
        onMembers: (members) => {
          for (const member of members) {
            if (member.id === id) continue
            learned.set(member.id, { raftAddress: member.raftAddress, httpUrl: member.httpUrl })
            transport?.setPeer(member.id, member.raftAddress)
          }
        },
        isVoter: () => node.status().confState.voters.includes(id),
        signal: controller.signal,
        logger,
      })
    },

    isLeader() {
      return { isLeader: raft?.isLeader() ?? false, leaderId: raft?.leaderId() || null }
    },

    waitForLeader(timeoutMs) {
      if (!raft) throw new BaseError('the consensus engine is not started')
      return raft.waitForLeader(timeoutMs)
    },

    async triggerElection() {
      if (!raft?.isLeader()) throw new NotLeaderError(raft?.leaderId() ?? '')
      const voters = [...raft.status().confState.voters].sort()
      if (voters.length < 2) throw new BaseError('no other voter to hand leadership to')
      const at = voters.indexOf(id)
      for (let step = 1; step < voters.length; step++) {
        const next = voters[(at + step) % voters.length] as string
        try {
          await raft.transferLeadership(next, 2_000)
          return next
        } catch (error) {
          if (!raft.isLeader()) return raft.leaderId()
          logger.warn({ err: error, to: next }, 'leadership transfer failed; trying the next voter')
        }
      }
      throw new BaseError('no other voter took over leadership')
    },

    async sendTaskRequest(request) {
      if (!raft?.isLeader()) throw new NotLeaderError(raft?.leaderId() ?? '')
      const description = callbacks.describeTask(request)
      if (!state.isNewTask(description.taskIndex)) return
      const { thresholdPercentages: t, quorumNumbers } = description
      const parsed = taskRowDataSchema.safeParse({
        referenceBlock: description.referenceBlock,
        quorumNumbers: [...quorumNumbers],
        thresholdPercentages: typeof t === 'number' ? quorumNumbers.map(() => t) : [...t],
        expiresAt: description.expiresAt ?? null,
        expiryBlock: description.expiryBlock ?? null,
        collectionWindowMs: description.collectionWindowMs ?? 0,
      })
      if (!parsed.success || (description.expiresAt === undefined && description.expiryBlock === undefined)) {
        throw new InvalidInputError(
          `task ${description.taskIndex}: invalid description (${parsed.error?.issues[0]?.message ?? 'give expiresAt and/or expiryBlock'})`,
        )
      }
      await propose({ kind: 'task', taskIndex: description.taskIndex, request, task: parsed.data, at: Date.now() })
    },

    knowsTask: (taskIndex) => !state.isNewTask(taskIndex),
    lastTaskRequest: () =>
      state.lastTaskIndex === undefined ? undefined : (state.tasks.get(state.lastTaskIndex)?.request as Request),
    getMeta: (key) => state.meta.get(key),
    async setMeta(key, value) {
      await propose({ kind: 'meta', key, value, at: Date.now() })
    },
    observeBlock: (blockNumber) => term?.observeBlock(blockNumber),

    status() {
      if (!raft) throw new BaseError('the consensus engine is not started')
      return buildClusterStatus({ raft: raft.status(), state, addressOf })
    },
    task(taskIndex) {
      const record = state.tasks.get(taskIndex)
      return record ? taskView(record) : undefined
    },
    on(event, listener) {
      const set = listeners[event] as Set<typeof listener>
      set.add(listener)
      return () => set.delete(listener)
    },

    async stop() {
      if (stopped) return
      stopped = true
      controller.abort()
      reconcile()
      await reconciling
      await raft?.stop()
      await http?.close()
    },
  }

  const routeHandlers = {
    async join(request: Parameters<typeof verifyJoinRequest>[0]) {
      if (!raft?.isLeader()) throw new NotLeaderError(raft?.leaderId() ?? '')
      await verifyJoinRequest(request, {
        chainId: client.chain.id,
        registryCoordinator,
        head: await client.getBlockNumber(),
        windowBlocks: parameters.joinWindowBlocks ?? 50,
        isRegistered: (address) => registrations.isRegistered(address),
      })
      const joiner = request.nodeId
      const address = { raftAddress: request.raftAddress, httpUrl: request.httpUrl }
      learned.set(joiner, address)
      transport?.setPeer(joiner, address.raftAddress)
      const conf = raft.status().confState
      const context = encodeMemberContext(address)
      if (!conf.voters.includes(joiner) && !conf.learners.includes(joiner)) {
        await raft.proposeConfChange({ type: 'addLearner', nodeId: joiner, context })
        logger.info({ joiner, ...address }, 'operator joined as a learner')
      }
      promoteLearners()
      const members = [...state.members].map(([member, a]) => ({ id: member, ...a }))
      if (!state.members.has(joiner)) members.push({ id: joiner, ...address })
      return { members }
    },
    async response(signed: SignedTaskResponse<unknown>) {
      if (!raft?.isLeader() || !term) throw new NotLeaderError(raft?.leaderId() ?? '')
      return term.process(signed as SignedTaskResponse<Response>)
    },
    status: () => engine.status(),
    task: (taskIndex: bigint) => engine.task(taskIndex),
    leaderUrl: () => {
      const leader = raft?.leaderId()
      return leader ? (addressOf(leader)?.httpUrl ?? null) : null
    },
  }

  return engine
}

/** Whether a Raft directory holds anything (a member that restarts, rather than a new one). */
async function hasRaftState(dir: string): Promise<boolean> {
  const { wal, storage, contents } = await openWalStorage(dir)
  try {
    return storage.lastIndex() > 0 || contents.hardState.term > 0
  } finally {
    await wal.close()
  }
}
