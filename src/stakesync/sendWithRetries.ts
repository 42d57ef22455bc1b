/**
 * The attempt loop of one stake update, after avs-sync's `tryNTimesUpdateStakesOfEntireOperatorSetForQuorum`:
 * up to `attempts` tries, each preparing its arguments afresh (for a full-set update, re-reading the quorum: the
 * usual cause of a revert is that the operator set changed between the read and the write, which
 * `updateOperatorsForQuorum` refuses with `OperatorCountMismatch`), with exponential backoff between tries.
 * A failure that another try cannot fix (insufficient funds, a lost submitter lock, a shutdown) ends the loop.
 */
import type { Address, TransactionReceipt } from 'viem'
import {
  ChainUnreachableError,
  ContractRevertedError,
  InsufficientFundsError,
  TransactionRevertedError,
} from '../chain/errors.js'
import { BaseError } from '../core/errors.js'
import type { Logger } from '../core/logger.js'
import type { Metrics } from '../core/metrics.js'
import { sleep } from '../core/sleep.js'
import type { UpdateReport } from './syncReport.js'

export type PreparedUpdate =
  | { operators: Address[]; gasEstimate?: bigint | undefined }
  /** Nothing left to send (`reason` is logged). */
  | { skip: string }

export class SubmitterLockLostError extends BaseError {
  override name = 'SubmitterLockLostError'
  constructor() {
    super('Another replica holds the stake-sync lock now: this one stopped sending.')
  }
}

export type SendWithRetriesParameters = {
  functionName: UpdateReport['functionName']
  quorumNumber?: number | undefined
  attempts: number
  backoffMs: number
  /** Reads what attempt `attempt` (1-based) sends. */
  prepare(attempt: number): Promise<PreparedUpdate>
  /** Between the read and the write of each attempt (after `prepare`, before `send`). */
  beforeSend?(context: { attempt: number; operators: readonly Address[] }): Promise<void>
  send(operators: Address[], gasEstimate: bigint | undefined): Promise<TransactionReceipt>
  logger: Logger
  metrics: Metrics
  signal?: AbortSignal | undefined
}

export async function sendWithRetries(parameters: SendWithRetriesParameters): Promise<UpdateReport> {
  const { functionName, quorumNumber, logger, metrics } = parameters
  const quorum = quorumNumber === undefined ? '' : String(quorumNumber)
  let operators: Address[] = []
  let gasEstimate: bigint | undefined
  let lastError: BaseError | undefined
  const attemptErrors: string[] = []
  let attempt = 0
  while (attempt < parameters.attempts && !parameters.signal?.aborted) {
    attempt++
    if (attempt > 1) await sleep(parameters.backoffMs * 2 ** (attempt - 2), parameters.signal)
    if (parameters.signal?.aborted) break
    let stage: 'read' | 'send' = 'read'
    try {
      const prepared = await parameters.prepare(attempt)
      if ('skip' in prepared) {
        logger.info({ functionName, quorum: quorumNumber, attempt, reason: prepared.skip }, 'nothing left to update')
        return {
          functionName,
          quorumNumber,
          operators,
          outcome: 'skipped',
          attempts: attempt,
          gasEstimate,
          error: lastError,
          attemptErrors,
        }
      }
      operators = prepared.operators
      gasEstimate = prepared.gasEstimate
      await parameters.beforeSend?.({ attempt, operators })
      stage = 'send'
      const receipt = await parameters.send(operators, gasEstimate)
      metrics.stakeSync.updateStakeAttempt.inc({ status: 'succeed', quorum })
      metrics.stakeSync.gasUsedTotal.inc({ function: functionName }, Number(receipt.gasUsed))
      return {
        functionName,
        quorumNumber,
        operators,
        outcome: 'sent',
        attempts: attempt,
        gasEstimate,
        transactionHash: receipt.transactionHash,
        blockNumber: receipt.blockNumber,
        gasUsed: receipt.gasUsed,
        attemptErrors,
      }
    } catch (error) {
      const typed = error instanceof BaseError ? error : new BaseError(String(error), { cause: error })
      lastError = typed
      attemptErrors.push(typed.shortMessage)
      if (typed instanceof TransactionRevertedError) {
        metrics.stakeSync.txRevertedTotal.inc()
        metrics.stakeSync.gasUsedTotal.inc({ function: functionName }, Number(typed.gasUsed))
      }
      const failure = typed instanceof ContractRevertedError ? 'revert' : stage
      const final = !retryable(typed) || attempt >= parameters.attempts
      logger[final ? 'error' : 'warn'](
        { functionName, quorum: quorumNumber, attempt, attempts: parameters.attempts, err: typed.shortMessage },
        final ? 'stake update failed' : 'stake update attempt failed; retrying',
      )
      if (!retryable(typed)) break
      if (!final) metrics.stakeSync.retriesTotal.inc({ quorum, failure })
    }
  }
  metrics.stakeSync.updateStakeAttempt.inc({ status: 'error', quorum })
  return {
    functionName,
    quorumNumber,
    operators,
    outcome: 'failed',
    attempts: attempt,
    gasEstimate,
    error: lastError ?? new BaseError('Stopped before the update was sent (shutdown).'),
    attemptErrors,
  }
}

function retryable(error: BaseError): boolean {
  if (error instanceof InsufficientFundsError || error instanceof SubmitterLockLostError) return false
  if (error.exitCode === 2 && !(error instanceof ChainUnreachableError)) return false
  return true
}
