/** What the two sync modes (full quorums, operator subset) share within a round; built by `createStakeSync`. */
import type { Address, TransactionReceipt } from 'viem'
import { registryCoordinatorAbi } from '../chain/abi/index.js'
import type { ChainClient } from '../chain/clients.js'
import { toChainError } from '../chain/errors.js'
import { encodeQuorumNumbers } from '../chain/quorumNumbers.js'
import type { TransactionSender } from '../chain/transactionSender.js'
import { BaseError } from '../core/errors.js'
import type { Logger } from '../core/logger.js'
import type { Metrics } from '../core/metrics.js'
import { sleep } from '../core/sleep.js'
import type { StakeSyncPolicy } from './decideQuorumUpdate.js'

export type StakeSyncHooks = {
  /**
   * Runs between the read and the write of every attempt of every update. Tests use it to change the chain at
   * exactly that moment (an operator registering, say) and watch the retry re-read.
   */
  beforeSubmit?: (context: {
    functionName: 'updateOperatorsForQuorum' | 'updateOperators'
    quorumNumber: number | undefined
    attempt: number
    operators: readonly Address[]
  }) => Promise<void> | void
}

export type StakeSyncContext = {
  client: ChainClient
  registryCoordinator: Address
  operatorStateRetriever: Address
  stakeRegistry: Address
  policy: StakeSyncPolicy
  dryRun: boolean
  maxGasPerTx: bigint | undefined
  attempts: number
  retryBackoffMs: number
  /** Undefined only in a dry run. */
  sender: TransactionSender | undefined
  /** The account gas is estimated for. */
  from: Address
  hooks: StakeSyncHooks
  /** Throws `SubmitterLockLostError` when another replica holds the lock now. */
  assertSubmitter(): Promise<void>
  now(): number
  logger: Logger
  metrics: Metrics
  signal: AbortSignal | undefined
}

type UpdateCall =
  | { functionName: 'updateOperatorsForQuorum'; args: readonly [readonly (readonly Address[])[], `0x${string}`] }
  | { functionName: 'updateOperators'; args: readonly [readonly Address[]] }

export function updateQuorumCall(quorumNumber: number, operators: readonly Address[]): UpdateCall {
  return { functionName: 'updateOperatorsForQuorum', args: [[operators], encodeQuorumNumbers([quorumNumber])] }
}

export function updateOperatorsCall(operators: readonly Address[]): UpdateCall {
  return { functionName: 'updateOperators', args: [operators] }
}

/** `eth_estimateGas` of an update from the sync account, at `blockNumber` (default latest). */
export async function estimateUpdateGas(
  context: StakeSyncContext,
  call: UpdateCall,
  blockNumber?: bigint,
): Promise<bigint> {
  try {
    return await context.client.estimateContractGas({
      address: context.registryCoordinator,
      abi: registryCoordinatorAbi,
      account: context.from,
      ...call,
      ...(blockNumber === undefined ? {} : { blockNumber }),
    } as never)
  } catch (error) {
    throw toChainError(error, { functionName: call.functionName })
  }
}

/**
 * Sends an update once the lock is confirmed. Under `--max-gas-per-tx` the gas limit is the estimate plus 20%,
 * capped at the maximum; otherwise the sender estimates it.
 */
export async function sendUpdate(
  context: StakeSyncContext,
  call: UpdateCall,
  gasEstimate: bigint | undefined,
): Promise<TransactionReceipt> {
  const { sender, maxGasPerTx } = context
  if (!sender) throw new BaseError('No sending account: a dry run cannot send.')
  await context.assertSubmitter()
  const gas =
    maxGasPerTx !== undefined && gasEstimate !== undefined
      ? bigintMin((gasEstimate * 120n) / 100n, maxGasPerTx)
      : undefined
  return sender.send({
    address: context.registryCoordinator,
    abi: registryCoordinatorAbi,
    ...call,
    ...(gas === undefined ? {} : { gas }),
  } as never)
}

/** Runs a read up to `context.attempts` times with backoff; throws the last error. */
export async function readWithRetries<T>(
  context: Pick<StakeSyncContext, 'attempts' | 'retryBackoffMs' | 'signal' | 'logger' | 'metrics'>,
  what: string,
  read: () => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await read()
    } catch (error) {
      const typed = error instanceof BaseError ? error : new BaseError(String(error), { cause: error })
      if (
        attempt >= context.attempts ||
        context.signal?.aborted ||
        (typed.exitCode === 2 && !('retryable' in typed && typed.retryable))
      ) {
        throw typed
      }
      context.logger.warn(
        { what, attempt, attempts: context.attempts, err: typed.shortMessage },
        'read failed; retrying',
      )
      context.metrics.stakeSync.retriesTotal.inc({ quorum: '', failure: 'read' })
      await sleep(context.retryBackoffMs * 2 ** (attempt - 1), context.signal)
    }
  }
}

function bigintMin(a: bigint, b: bigint): bigint {
  return a < b ? a : b
}
