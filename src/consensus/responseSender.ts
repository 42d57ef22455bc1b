/**
 * Every member's side of a task, the leader's included (the original never had the leader sign its own tasks):
 * when a `task` entry is applied, the member checks the request and computes its response (`onTaskRequest`),
 * signs it (`onSubmitTaskToLeader`) and delivers it to whoever leads, retrying with backoff across leader changes
 * until the leader answers or the log shows the signature recorded or the task finished.
 *
 * Jobs run outside the apply path, at most `concurrency` at a time; a job for a task already queued or running is
 * not added twice. A response the leader refuses for good (an invalid signature, an operator outside the task's
 * quorums) is logged and not sent again.
 */
import type { Hex } from 'viem'
import type { ProcessResult } from '../aggregation/index.js'
import type { Logger } from '../core/logger.js'
import { sleep } from '../core/sleep.js'
import type { ConsensusState } from './consensusState.js'
import type { SignedTaskResponse, TaskConsensusCallbacks } from './taskConsensusTypes.js'

export type ResponseSenderParameters<Request, Response, Signed extends SignedTaskResponse<Response>> = {
  state: ConsensusState
  /** This member's BLS operator id (lowercase), to see its own signature in the log. */
  operatorId: Hex
  callbacks: TaskConsensusCallbacks<Request, Response, Signed>
  /** Delivers a signed response to the current leader; throws when it cannot reach one (retried). */
  deliver: (signed: Signed) => Promise<ProcessResult>
  signal: AbortSignal
  logger: Logger
  concurrency?: number | undefined
}

export type ResponseSender = {
  /** Queues the task (no-op when it is queued or running already, finished, or signed by this member). */
  schedule(taskIndex: bigint): void
  /** Jobs queued or running. */
  readonly size: number
}

/** Rejections after which sending again cannot help. */
const finalCodes = new Set(['INVALID_SIGNATURE', 'UNKNOWN_OPERATOR', 'NOT_IN_QUORUM', 'EQUIVOCATION', 'MALFORMED'])

export function createResponseSender<Request, Response, Signed extends SignedTaskResponse<Response>>(
  parameters: ResponseSenderParameters<Request, Response, Signed>,
): ResponseSender {
  const { state, callbacks, signal } = parameters
  const logger = parameters.logger.child({ module: 'consensus-responder' })
  const operatorId = parameters.operatorId.toLowerCase() as Hex
  const concurrency = parameters.concurrency ?? 8
  const queued: bigint[] = []
  const known = new Set<bigint>()
  let running = 0

  /** Still worth answering: pending, and this member's signature not in the log. */
  const open = (taskIndex: bigint) => {
    const record = state.tasks.get(taskIndex)
    return record !== undefined && record.status === 'pending' && !record.signatures.has(operatorId)
  }

  async function answer(taskIndex: bigint): Promise<void> {
    const record = state.tasks.get(taskIndex)
    if (!record || !open(taskIndex)) return
    const request = record.request as Request
    let signed: Signed
    try {
      const response = await callbacks.onTaskRequest(request)
      signed = await callbacks.onSubmitTaskToLeader(request, response)
    } catch (error) {
      logger.warn({ err: error, taskIndex }, 'refused to sign the task request')
      return
    }
    for (let attempt = 0, delay = 100; open(taskIndex) && !signal.aborted; attempt++) {
      try {
        const result = await parameters.deliver(signed)
        if (result.status === 'accepted') return
        if (finalCodes.has(result.code)) {
          // Outside the task's operator set is normal (another quorum, registered after the reference block).
          const outsider = result.code === 'NOT_IN_QUORUM' || result.code === 'UNKNOWN_OPERATOR'
          logger[outsider ? 'info' : 'error'](
            { taskIndex, code: result.code, message: result.message },
            'the leader refused the response',
          )
          return
        }
        // DUPLICATE / TASK_EXPIRED: the log settles it; TASK_UNKNOWN: the leader has not caught up yet.
        if (result.code === 'DUPLICATE' || result.code === 'TASK_EXPIRED') return
      } catch (error) {
        if (attempt === 3) logger.warn({ err: error, taskIndex }, 'cannot deliver the response to a leader; retrying')
      }
      await sleep(delay, signal)
      delay = Math.min(delay * 2, 2_000)
    }
  }

  function pump() {
    while (running < concurrency && queued.length > 0 && !signal.aborted) {
      const taskIndex = queued.shift() as bigint
      running++
      answer(taskIndex)
        .catch((error: unknown) => logger.error({ err: error, taskIndex }, 'answering the task failed'))
        .finally(() => {
          running--
          known.delete(taskIndex)
          pump()
        })
    }
  }

  return {
    schedule(taskIndex) {
      if (known.has(taskIndex) || signal.aborted || !open(taskIndex)) return
      known.add(taskIndex)
      queued.push(taskIndex)
      // After the current apply batch: entries later in it may already settle the task.
      setImmediate(pump)
    },
    get size() {
      return known.size
    },
  }
}
