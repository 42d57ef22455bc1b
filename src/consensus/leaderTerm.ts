/**
 * What a member does while it leads, from the moment Raft makes it leader until it steps down:
 *
 * 1. It proposes a `leader` entry and waits until it is applied here. Raft commits a new leader's entries only
 *    after those of earlier terms (section 5.4.2), so from then on the replicated state holds every task,
 *    signature and outcome the previous leaders got committed (the no-op of thesis section 6.4).
 * 2. It starts a fresh aggregation service over the replicated state (stateAggregationRepository.ts). The
 *    service's start-up path loads every pending task with the signatures already accepted, so each in-flight
 *    aggregation resumes where the previous leader left it and certifies at once when its thresholds are met.
 * 3. Every certified task without a recorded submission is submitted: the AVS's `submitCertificate` checks the
 *    chain first (a previous leader may have submitted just before it failed) and the outcome goes into the log,
 *    so no later leader submits it again.
 * 4. It runs the AVS's `whileLeader` (watching for new tasks) until it steps down.
 *
 * Stepping down aborts all of it; whatever was not committed is redone by the next leader from the log.
 */
import {
  type AggregationChainReader,
  type AggregationService,
  createAggregationService,
  type ProcessResult,
  reviveCertificate,
  type TaskCertified,
} from '../aggregation/index.js'
import type { NonSignerStakesAndSignature } from '../chain/taskManager.js'
import type { Logger } from '../core/logger.js'
import type { Metrics } from '../core/metrics.js'
import { sleep } from '../core/sleep.js'
import { NotLeaderError, ProposalDroppedError, RaftStoppedError } from '../raft/index.js'
import type { ConsensusState } from './consensusState.js'
import { createStateAggregationRepository, type ProposeEntry } from './stateAggregationRepository.js'
import type { CertifiedTask, SignedTaskResponse, TaskConsensusCallbacks } from './taskConsensusTypes.js'

export type LeaderTermParameters<Request, Response, Signed extends SignedTaskResponse<Response>> = {
  id: string
  state: ConsensusState
  propose: ProposeEntry
  reader: AggregationChainReader
  callbacks: TaskConsensusCallbacks<Request, Response, Signed>
  logger: Logger
  metrics?: Metrics | undefined
}

export type LeaderTerm<Response> = {
  /** Resolves once the term has caught up and its aggregation service runs. */
  readonly ready: Promise<void>
  /** Hands a signed response to the aggregation service (after `ready`). */
  process(signed: SignedTaskResponse<Response>): Promise<ProcessResult>
  /** A `task` entry was applied: start aggregating it. */
  taskApplied(taskIndex: bigint): void
  /** Expires tasks whose expiry block is reached. */
  observeBlock(blockNumber: bigint): void
  stop(): Promise<void>
}

/** Errors meaning "this member no longer leads": the term ends quietly, the next leader takes over. */
export function isLeadershipLost(error: unknown): boolean {
  return error instanceof NotLeaderError || error instanceof RaftStoppedError || error instanceof ProposalDroppedError
}

export function startLeaderTerm<Request, Response, Signed extends SignedTaskResponse<Response>>(
  parameters: LeaderTermParameters<Request, Response, Signed>,
): LeaderTerm<Response> {
  const { state, propose, callbacks } = parameters
  const logger = parameters.logger.child({ module: 'consensus-leader' })
  const controller = new AbortController()
  const { signal } = controller
  const submitting = new Set<bigint>()
  /** Certificates on their way to the chain: stopping waits for them, so no transaction is left unobserved. */
  const sending = new Set<Promise<unknown>>()
  let service: AggregationService | undefined
  let whileLeader: Promise<void> | undefined

  /** Retries `fn` with backoff until it succeeds, the term ends, or leadership is lost. */
  async function persist(what: string, fn: () => Promise<void>): Promise<void> {
    for (let delay = 200; !signal.aborted; delay = Math.min(delay * 2, 5_000)) {
      try {
        await fn()
        return
      } catch (error) {
        if (signal.aborted || isLeadershipLost(error)) return
        logger.warn({ err: error, retryInMs: delay }, `${what} failed; retrying`)
        await sleep(delay, signal)
      }
    }
  }

  function initialize(taskIndex: bigint) {
    const record = state.tasks.get(taskIndex)
    if (record?.status !== 'pending' || !service) return
    const aggregation = service
    void persist(`initializing task ${taskIndex}`, () =>
      aggregation.initializeTask({
        taskIndex,
        referenceBlock: record.task.referenceBlock,
        quorumNumbers: record.task.quorumNumbers,
        thresholdPercentages: record.task.thresholdPercentages,
        expiresAt: record.task.expiresAt ?? undefined,
        expiryBlock: record.task.expiryBlock ?? undefined,
        collectionWindowMs: record.task.collectionWindowMs,
      }),
    )
  }

  function submit(taskIndex: bigint, certified: Omit<CertifiedTask<Request>, 'request' | 'taskIndex'>) {
    if (submitting.has(taskIndex)) return
    submitting.add(taskIndex)
    void persist(`submitting the certificate of task ${taskIndex}`, async () => {
      const record = state.tasks.get(taskIndex)
      if (!record || record.submission !== null) return
      const sent = callbacks.submitCertificate({ ...certified, taskIndex, request: record.request as Request })
      sending.add(sent)
      const submission = await sent.finally(() => sending.delete(sent))
      // Stepping down: the next leader finds the task answered on chain and records that instead.
      if (signal.aborted) return
      await propose({ kind: 'submitted', taskIndex, submission, at: Date.now() })
      logger.info({ taskIndex, submission }, 'certificate submission recorded')
    }).finally(() => submitting.delete(taskIndex))
  }

  function submitStored(taskIndex: bigint) {
    const record = state.tasks.get(taskIndex)
    const stored = record?.certificate as { certificate?: unknown; response?: unknown } | null | undefined
    if (!stored?.certificate) {
      logger.error({ taskIndex }, 'certified task has no stored certificate; it cannot be submitted')
      return
    }
    submit(taskIndex, {
      response: stored.response,
      certificate: reviveCertificate(stored.certificate as NonSignerStakesAndSignature),
    })
  }

  async function runWhileLeader(run: NonNullable<typeof callbacks.whileLeader>) {
    for (let delay = 500; !signal.aborted; delay = Math.min(delay * 2, 10_000)) {
      try {
        await run({ signal })
        if (signal.aborted) return
        logger.warn('whileLeader returned while still leading; restarting it')
      } catch (error) {
        if (signal.aborted) return
        logger.warn({ err: error, retryInMs: delay }, 'whileLeader failed; restarting it')
      }
      await sleep(delay, signal)
    }
  }

  const ready = (async () => {
    let caughtUp = false
    await persist('writing the leader entry', async () => {
      await propose({ kind: 'leader', leaderId: parameters.id, at: Date.now() })
      caughtUp = true
    })
    // Without its own entry applied, this member may not hold everything committed: it must not act.
    if (!caughtUp || signal.aborted) throw new NotLeaderError('')
    const aggregation = createAggregationService({
      reader: parameters.reader,
      repository: createStateAggregationRepository({ state, propose }),
      logger,
      metrics: parameters.metrics,
    })
    aggregation.on('certified', (event: TaskCertified) =>
      submit(event.taskIndex, { response: event.response, certificate: event.certificate }),
    )
    service = aggregation
    let resumed = false
    await persist('resuming the aggregation', async () => {
      await aggregation.start()
      resumed = true
    })
    if (!resumed || signal.aborted) throw new NotLeaderError('')
    for (const record of state.pendingTasks()) initialize(record.taskIndex)
    for (const record of state.unsubmittedTasks()) submitStored(record.taskIndex)
    const pending = state.pendingTasks()
    logger.info(
      { pending: pending.length, signatures: pending.reduce((n, t) => n + t.signatures.size, 0) },
      'leading: aggregation resumed from the log',
    )
    if (callbacks.whileLeader) whileLeader = runWhileLeader(callbacks.whileLeader)
  })()
  // A term that ends before it is ready rejects `ready`; callers that wait on it handle that.
  ready.catch(() => undefined)

  return {
    ready,
    async process(signed) {
      await ready
      if (!service || signal.aborted) throw new NotLeaderError('')
      const { taskIndex, digest } = callbacks.onLeaderProcessTaskResponse(signed.response as Response)
      return service.processSignedResponse({
        taskIndex,
        digest,
        signature: signed.signature,
        operatorId: signed.operatorId,
        response: signed.response,
      })
    },
    taskApplied(taskIndex) {
      ready.then(
        () => initialize(taskIndex),
        () => undefined,
      )
    },
    observeBlock(blockNumber) {
      service?.onBlock(blockNumber)
    },
    async stop() {
      controller.abort()
      await ready.catch(() => undefined)
      await whileLeader
      await service?.stop()
      await Promise.allSettled([...sending])
    },
  }
}
