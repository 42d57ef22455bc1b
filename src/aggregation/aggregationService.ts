/**
 * The BLS aggregation service: turns operators' signed responses into a certificate that
 * `BLSSignatureChecker.checkSignatures` accepts.
 *
 * - A task is initialized with its reference block; the operator set, stakes and keys are read at that block.
 * - Each signed response is checked in order of cost: shape, task, operator (registered at the reference block
 *   and in one of the task's quorums), claim (one digest per operator: the same again is a DUPLICATE, another one
 *   is an EQUIVOCATION whose evidence is stored), then the signature. Signatures waiting to be verified are
 *   checked together, one multi-pairing per batch, and a failing batch is split to find the bad ones only.
 * - A verified signature is written to the store before "accepted" is answered, so after a crash the task
 *   resumes with every accepted signature and no operator has to send again.
 * - The first digest whose signers reach every quorum's stake threshold wins; after the optional collection
 *   window the certificate is built and `certified` is emitted. A task that reaches its expiry (time or block)
 *   first emits `expired` with the shortfall.
 * - Responses for a task not yet initialized wait in a bounded buffer (earlyResponses.ts).
 */
import type * as mcl from 'mcl-wasm'
import type { Hex } from 'viem'
import { BaseError } from '../core/errors.js'
import type { Logger } from '../core/logger.js'
import type { Metrics } from '../core/metrics.js'
import { g1ToJson, g1ToMcl, hashToG1Mcl } from '../crypto/index.js'
import { type AggregationRepository, type AggregationTaskRow, signatureKey } from '../store/index.js'
import { buildCertificate } from './certificate.js'
import type { AggregationChainReader } from './chainReader.js'
import { createEarlyResponses } from './earlyResponses.js'
import { findInvalidSignatures } from './findInvalidSignatures.js'
import { createOperatorKeys } from './operatorKeys.js'
import {
  addSignature,
  type DigestTally,
  describeShortfall,
  leadingTally,
  meetsThresholds,
  quorumStakes,
  type TaskState,
  thresholdsOf,
} from './taskState.js'
import { toJsonValue } from './toJsonValue.js'
import type {
  ProcessResult,
  RejectionCode,
  SignedResponse,
  TaskCertified,
  TaskExpired,
  TaskOperator,
  TaskParameters,
} from './types.js'
import { assertTaskParameters, parseSignedResponse } from './validateInput.js'

export type AggregationServiceParameters = {
  reader: AggregationChainReader
  repository: AggregationRepository
  logger: Logger
  metrics?: Metrics | undefined
  /** Responses held for tasks not yet initialized (default 10 000). */
  earlyResponseCapacity?: number | undefined
  /** How long such a response waits for its task (default 60 s). */
  earlyResponseTimeoutMs?: number | undefined
  /** Most signatures verified in one batch (default 4096). */
  maxBatchSize?: number | undefined
  /** Delay before retrying a failed certificate build (default 1 s, doubling to 30 s). */
  certificateRetryMs?: number | undefined
}

export type AggregationEvents = { certified: TaskCertified; expired: TaskExpired }

export type TaskStatusView = {
  taskIndex: bigint
  status: 'pending' | 'certifying' | 'certified' | 'expired'
  referenceBlock: bigint
  quorumNumbers: readonly number[]
  digest: Hex | undefined
  signers: readonly Hex[]
  stakes: ReturnType<typeof quorumStakes>
  outcome: string | undefined
}

export type AggregationService = {
  /** Loads every unfinished task from the store and resumes it. */
  start(): Promise<void>
  /** Stops timers and answers waiting callers; accepted signatures are already stored. */
  stop(): Promise<void>
  /** Idempotent: a task index that exists already is left as it is. */
  initializeTask(params: TaskParameters): Promise<void>
  processSignedResponse(response: SignedResponse): Promise<ProcessResult>
  /** Expires tasks whose expiry block has been reached. */
  onBlock(blockNumber: bigint): void
  on<E extends keyof AggregationEvents>(event: E, listener: (payload: AggregationEvents[E]) => void): () => void
  /** A live task's state, or undefined when it is not in memory (finished tasks are in the store). */
  taskStatus(taskIndex: bigint): TaskStatusView | undefined
}

type Pending = {
  state: TaskState
  tally: DigestTally
  operator: TaskOperator
  signature: { point: SignedResponse['signature']; mcl: mcl.G1 }
  response: SignedResponse
  settle: (valid: boolean) => void
  resolve: (result: ProcessResult) => void
  reject: (error: unknown) => void
}

/** setTimeout's limit: a longer delay fires at once. */
const maxTimerMs = 2 ** 31 - 1

export function createAggregationService(parameters: AggregationServiceParameters): AggregationService {
  const { reader, repository, metrics } = parameters
  const logger = parameters.logger.child({ module: 'aggregation' })
  const keys = createOperatorKeys()
  const tasks = new Map<bigint, TaskState>()
  const initializing = new Map<bigint, Promise<void>>()
  const listeners = { certified: new Set<(e: TaskCertified) => void>(), expired: new Set<(e: TaskExpired) => void>() }
  const early = createEarlyResponses({
    capacity: parameters.earlyResponseCapacity ?? 10_000,
    timeoutMs: parameters.earlyResponseTimeoutMs ?? 60_000,
  })
  let queue: Pending[] = []
  let flushScheduled = false
  let stopped = false

  const rejected = (code: RejectionCode, message: string): ProcessResult => ({ status: 'rejected', code, message })

  function emit<E extends keyof AggregationEvents>(event: E, payload: AggregationEvents[E]) {
    for (const listener of listeners[event] as Set<(p: AggregationEvents[E]) => void>) {
      try {
        listener(payload)
      } catch (error) {
        logger.error({ err: error, event }, 'aggregation listener failed')
      }
    }
  }

  function tallyFor(state: TaskState, digest: Hex, response: unknown): DigestTally {
    const key = digest.toLowerCase() as Hex
    let tally = state.tallies.get(key)
    if (!tally) {
      tally = { digest: key, hash: hashToG1Mcl(key), response, signatures: new Map(), signedStake: new Map() }
      state.tallies.set(key, tally)
    }
    return tally
  }

  function addTimer(state: TaskState, ms: number, fn: () => void) {
    const timer = setTimeout(
      () => {
        state.timers.delete(timer)
        fn()
      },
      Math.min(Math.max(ms, 0), maxTimerMs),
    )
    state.timers.add(timer)
  }

  function clearTimers(state: TaskState) {
    for (const timer of state.timers) clearTimeout(timer)
    state.timers.clear()
  }

  function armExpiry(state: TaskState) {
    const { expiresAt } = state.params
    if (expiresAt !== undefined)
      addTimer(state, expiresAt - Date.now(), () => void expire(state, 'expiry time reached'))
  }

  async function readSnapshot(params: { referenceBlock: bigint; quorumNumbers: readonly number[] }) {
    const snapshot = await reader.readOperatorSet(params.referenceBlock, params.quorumNumbers)
    // Check and convert every key now, before signatures arrive, rather than on each operator's first signature.
    for (const operator of snapshot.operators.values()) keys.get(operator)
    return snapshot
  }

  function newState(
    row: Omit<AggregationTaskRow, 'status' | 'createdAt' | 'finishedAt' | 'digest' | 'certificate' | 'outcome'>,
    snapshot: TaskState['snapshot'],
  ): TaskState {
    return {
      params: {
        taskIndex: row.taskIndex,
        referenceBlock: row.referenceBlock,
        quorumNumbers: row.quorumNumbers,
        thresholds: new Map(row.quorumNumbers.map((q, i) => [q, row.thresholdPercentages[i] as number])),
        expiresAt: row.expiresAt?.getTime(),
        expiryBlock: row.expiryBlock ?? undefined,
        collectionWindowMs: row.collectionWindowMs,
        metadata: row.metadata,
      },
      snapshot,
      status: 'pending',
      claims: new Map(),
      tallies: new Map(),
      winner: undefined,
      timers: new Set(),
    }
  }

  /** After signatures were added to `tally`: picks the winner and schedules the certificate. */
  function checkThreshold(state: TaskState, tally: DigestTally) {
    if (state.winner !== undefined || state.status !== 'pending') return
    if (!meetsThresholds(quorumStakes(state, tally))) return
    state.winner = tally.digest
    logger.info({ taskIndex: state.params.taskIndex, digest: tally.digest }, 'threshold reached')
    if (state.params.collectionWindowMs > 0) addTimer(state, state.params.collectionWindowMs, () => void certify(state))
    else void certify(state)
  }

  async function certify(state: TaskState) {
    if (state.status !== 'pending' || state.winner === undefined) return
    state.status = 'certifying'
    clearTimers(state)
    const tally = state.tallies.get(state.winner) as DigestTally
    const { taskIndex } = state.params
    let delay = parameters.certificateRetryMs ?? 1000
    for (;;) {
      try {
        const built = await buildCertificate(state, tally, keys, reader)
        const stakes = quorumStakes(state, tally)
        // Everything `task show` and a resubmission after a crash need, in one JSON document.
        await repository.markCertified(
          taskIndex,
          tally.digest,
          toJsonValue({ ...built, response: tally.response, stakes }),
        )
        state.status = 'certified'
        tasks.delete(taskIndex)
        metrics?.aggregation.tasksTotal.inc({ outcome: 'certified' })
        metrics?.aggregation.pendingTasks.set(tasks.size)
        logger.info({ taskIndex, signers: built.signers.length, nonSigners: built.nonSigners.length }, 'task certified')
        emit('certified', {
          taskIndex,
          referenceBlock: state.params.referenceBlock,
          quorumNumbers: state.params.quorumNumbers,
          digest: tally.digest,
          response: tally.response,
          certificate: built.certificate,
          signers: built.signers,
          nonSigners: built.nonSigners,
          stakes,
          metadata: state.params.metadata,
        })
        return
      } catch (error) {
        if (stopped) return
        logger.warn({ err: error, taskIndex, retryInMs: delay }, 'building the certificate failed; retrying')
        await new Promise((resolve) => setTimeout(resolve, delay))
        delay = Math.min(delay * 2, 30_000)
      }
    }
  }

  async function expire(state: TaskState, reason: string) {
    if (state.status !== 'pending') return
    if (state.winner !== undefined) return certify(state)
    state.status = 'expired'
    clearTimers(state)
    const { taskIndex } = state.params
    const stakes = quorumStakes(state, leadingTally(state))
    const outcome = `${reason}: ${describeShortfall(stakes) || 'no signatures'}`
    tasks.delete(taskIndex)
    metrics?.aggregation.tasksTotal.inc({ outcome: 'expired' })
    metrics?.aggregation.pendingTasks.set(tasks.size)
    try {
      await repository.markExpired(taskIndex, outcome)
    } catch (error) {
      logger.error({ err: error, taskIndex }, 'could not store the expiry; it will be re-evaluated at restart')
    }
    logger.info({ taskIndex, outcome }, 'task expired')
    emit('expired', { taskIndex, reason: outcome, stakes, metadata: state.params.metadata })
  }

  function scheduleFlush() {
    if (flushScheduled) return
    flushScheduled = true
    setImmediate(() => {
      flushScheduled = false
      void flush()
    })
  }

  async function flush() {
    const batch = queue.slice(0, parameters.maxBatchSize ?? 4096)
    queue = queue.slice(batch.length)
    if (queue.length > 0) scheduleFlush()
    if (batch.length === 0) return

    const started = performance.now()
    const invalid = new Set(
      findInvalidSignatures(
        batch.map((p) => ({ hash: p.tally.hash, pkG2: keys.get(p.operator).g2, signature: p.signature.mcl })),
      ),
    )
    metrics?.aggregation.verifyBatchSize.observe(batch.length)
    metrics?.aggregation.verifySeconds.observe((performance.now() - started) / 1000)

    const valid = batch.filter((_, i) => !invalid.has(i))
    for (const item of batch.filter((_, i) => invalid.has(i))) {
      item.settle(false)
      item.resolve(rejected('INVALID_SIGNATURE', `signature of operator ${item.response.operatorId} does not verify`))
    }
    let inserted: Set<string>
    try {
      inserted = await repository.insertSignatures(
        valid.map((p) => ({
          taskIndex: p.state.params.taskIndex,
          operatorId: p.response.operatorId.toLowerCase(),
          digest: p.tally.digest,
          signature: g1ToJson(p.signature.point),
          response: toJsonValue(p.response.response ?? null),
        })),
      )
    } catch (error) {
      for (const item of valid) {
        item.settle(false)
        item.reject(new BaseError('Could not store the signature; send it again.', { cause: error }))
      }
      return
    }
    const touched = new Set<DigestTally>()
    for (const item of valid) {
      const operatorId = item.response.operatorId.toLowerCase() as Hex
      if (!inserted.has(signatureKey(item.state.params.taskIndex, operatorId))) {
        item.settle(false)
        item.resolve(rejected('DUPLICATE', `operator ${operatorId} already has a stored signature for this task`))
        continue
      }
      addSignature(item.state, item.tally, operatorId, item.signature)
      touched.add(item.tally)
      item.settle(true)
      item.resolve({ status: 'accepted' })
    }
    for (const tally of touched) {
      const state = valid.find((p) => p.tally === tally)?.state
      if (state) checkThreshold(state, tally)
    }
  }

  /** Why an operator outside the snapshot may not sign: never registered by then, or not in these quorums. */
  async function classifyOutsider(state: TaskState, operatorId: Hex): Promise<ProcessResult> {
    const quorums = await reader.operatorQuorumsAt(operatorId, state.params.referenceBlock)
    if (quorums === undefined || quorums.length === 0) {
      return rejected(
        'UNKNOWN_OPERATOR',
        `operator ${operatorId} was not registered at the task's reference block ${state.params.referenceBlock}`,
      )
    }
    return rejected(
      'NOT_IN_QUORUM',
      `operator ${operatorId} is in quorums ${quorums.join(',')} at block ${state.params.referenceBlock}, none of the task's quorums ${state.params.quorumNumbers.join(',')}`,
    )
  }

  async function process(response: SignedResponse): Promise<ProcessResult> {
    const parsed = parseSignedResponse(response)
    if ('malformed' in parsed) return rejected('MALFORMED', parsed.malformed)
    const operatorId = response.operatorId.toLowerCase() as Hex
    const digest = response.digest.toLowerCase() as Hex
    await initializing.get(response.taskIndex)
    const state = tasks.get(response.taskIndex)
    if (!state) {
      const row = await repository.getTask(response.taskIndex)
      if (row) return rejected('TASK_EXPIRED', `task ${response.taskIndex} is ${row.status}`)
      return early.hold(response, process)
    }
    if (state.status !== 'pending') return rejected('TASK_EXPIRED', `task ${response.taskIndex} is ${state.status}`)
    const operator = state.snapshot.operators.get(operatorId)
    if (!operator) return classifyOutsider(state, operatorId)

    const claim = state.claims.get(operatorId)
    if (claim?.digest === digest) return rejected('DUPLICATE', `operator ${operatorId} already signed this digest`)
    if (claim && (await claim.settled)) {
      const tally = tallyFor(state, digest, response.response)
      const [bad] = findInvalidSignatures([
        { hash: tally.hash, pkG2: keys.get(operator).g2, signature: parsed.signature },
      ])
      if (bad !== undefined) return rejected('INVALID_SIGNATURE', `signature of operator ${operatorId} does not verify`)
      await repository.recordEquivocation({
        taskIndex: state.params.taskIndex,
        operatorId,
        firstDigest: claim.digest,
        firstSignature: g1ToJson(claim.signature),
        secondDigest: digest,
        secondSignature: g1ToJson(response.signature),
      })
      logger.warn(
        { taskIndex: state.params.taskIndex, operatorId, first: claim.digest, second: digest },
        'equivocation',
      )
      return rejected('EQUIVOCATION', `operator ${operatorId} already signed digest ${claim.digest} for this task`)
    }
    if (state.claims.get(operatorId)) return process(response) // a concurrent claim settled meanwhile

    const tally = tallyFor(state, digest, response.response)
    let settle: (valid: boolean) => void = () => {}
    const settled = new Promise<boolean>((resolve) => {
      settle = (valid) => {
        if (!valid && state.claims.get(operatorId)?.settled === settled) state.claims.delete(operatorId)
        resolve(valid)
      }
    })
    state.claims.set(operatorId, { digest, signature: response.signature, settled })
    return new Promise<ProcessResult>((resolve, reject) => {
      queue.push({
        state,
        tally,
        operator,
        signature: { point: response.signature, mcl: parsed.signature },
        response,
        settle,
        resolve,
        reject,
      })
      scheduleFlush()
    })
  }

  async function initialize(params: TaskParameters) {
    assertTaskParameters(params)
    const snapshot = await readSnapshot(params)
    const thresholds = thresholdsOf(params)
    const row = {
      taskIndex: params.taskIndex,
      referenceBlock: params.referenceBlock,
      quorumNumbers: [...params.quorumNumbers],
      thresholdPercentages: params.quorumNumbers.map((q) => thresholds.get(q) as number),
      expiresAt: params.expiresAt === undefined ? null : new Date(params.expiresAt),
      expiryBlock: params.expiryBlock ?? null,
      collectionWindowMs: params.collectionWindowMs ?? 0,
      metadata: toJsonValue(params.metadata ?? null),
    }
    if (!(await repository.insertTask(row))) return // known already: left as it is
    const state = newState(row, snapshot)
    tasks.set(params.taskIndex, state)
    metrics?.aggregation.pendingTasks.set(tasks.size)
    armExpiry(state)
    logger.debug({ taskIndex: params.taskIndex, operators: snapshot.operators.size }, 'task initialized')
  }

  async function restore(row: AggregationTaskRow) {
    const state = newState(row, await readSnapshot(row))
    tasks.set(row.taskIndex, state)
    return state
  }

  return {
    async start() {
      const rows = await repository.listTasksByStatus('pending')
      const states = await Promise.all(rows.map(restore))
      const signatures = await repository.listSignatures(rows.map((r) => r.taskIndex))
      for (const row of signatures) {
        const state = tasks.get(row.taskIndex)
        const operator = state?.snapshot.operators.get(row.operatorId as Hex)
        if (!state || !operator) continue
        const tally = tallyFor(state, row.digest as Hex, row.response)
        const point = { x: BigInt(row.signature.x), y: BigInt(row.signature.y) }
        const signature = { point, mcl: g1ToMcl(point, `stored signature of ${row.operatorId}`) }
        state.claims.set(row.operatorId as Hex, {
          digest: tally.digest,
          signature: point,
          settled: Promise.resolve(true),
        })
        addSignature(state, tally, row.operatorId as Hex, signature)
        if (state.winner === undefined && meetsThresholds(quorumStakes(state, tally))) state.winner = tally.digest
      }
      metrics?.aggregation.pendingTasks.set(tasks.size)
      for (const state of states) {
        if (state.winner !== undefined) void certify(state)
        else armExpiry(state)
      }
      logger.info({ tasks: states.length, signatures: signatures.length }, 'aggregation resumed')
    },

    async stop() {
      stopped = true
      for (const state of tasks.values()) clearTimers(state)
      early.clear()
    },

    initializeTask(params) {
      const running = initializing.get(params.taskIndex)
      if (running) return running
      if (tasks.has(params.taskIndex)) return Promise.resolve()
      const promise = initialize(params).finally(() => {
        initializing.delete(params.taskIndex)
        early.release(params.taskIndex)
      })
      initializing.set(params.taskIndex, promise)
      return promise
    },

    async processSignedResponse(response) {
      const result = await process(response)
      metrics?.aggregation.responsesTotal.inc({ result: result.status === 'accepted' ? 'accepted' : result.code })
      metrics?.aggregation.earlyResponses.set(early.size)
      return result
    },

    onBlock(blockNumber) {
      for (const state of [...tasks.values()]) {
        if (state.params.expiryBlock !== undefined && blockNumber >= state.params.expiryBlock) {
          void expire(state, `expiry block ${state.params.expiryBlock} reached`)
        }
      }
    },

    on(event, listener) {
      const set = listeners[event] as Set<typeof listener>
      set.add(listener)
      return () => set.delete(listener)
    },

    taskStatus(taskIndex) {
      const state = tasks.get(taskIndex)
      if (!state) return undefined
      const tally = state.winner ? state.tallies.get(state.winner) : leadingTally(state)
      return {
        taskIndex,
        status: state.status,
        referenceBlock: state.params.referenceBlock,
        quorumNumbers: state.params.quorumNumbers,
        digest: tally?.digest,
        signers: [...(tally?.signatures.keys() ?? [])],
        stakes: quorumStakes(state, tally),
        outcome: undefined,
      }
    },
  }
}
