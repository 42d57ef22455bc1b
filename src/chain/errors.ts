/**
 * Typed errors for what an Ethereum node or a contract can answer, mapped once from viem's error tree so that
 * callers branch on a class instead of parsing messages. URLs in messages go through `redactSecrets`.
 */
import {
  ContractFunctionRevertedError,
  type Hash,
  HttpRequestError,
  BaseError as ViemBaseError,
  InsufficientFundsError as ViemInsufficientFundsError,
  NonceTooLowError as ViemNonceTooLowError,
  TimeoutError as ViemTimeoutError,
  WaitForTransactionReceiptTimeoutError,
} from 'viem'
import { BaseError, type BaseErrorParameters } from '../core/errors.js'
import { decodeKnownError } from './knownErrors.js'

/** The node could not be reached or did not answer in time. Retryable. */
export class ChainUnreachableError extends BaseError {
  override name = 'ChainUnreachableError'
  readonly retryable = true
  /** Exit code 2 in the CLI: the usual cause is a wrong --eth-http-url. */
  constructor(shortMessage: string, parameters: Omit<BaseErrorParameters, 'exitCode'> = {}) {
    super(shortMessage, { ...parameters, exitCode: 2 })
  }
}

/** A contract call or transaction reverted; `errorName` is the custom error (or `Error` for a reason string). */
export class ContractRevertedError extends BaseError {
  override name = 'ContractRevertedError'
  readonly retryable = false
  constructor(
    readonly functionName: string,
    readonly errorName: string | undefined,
    readonly reason: string | undefined,
    parameters: BaseErrorParameters = {},
  ) {
    super(
      `${functionName} reverted${errorName && errorName !== 'Error' ? ` with ${errorName}` : ''}${reason ? `: ${reason}` : ''}.`,
      parameters,
    )
  }
}

/** A transaction passed its simulation but was mined and reverted: its gas is spent. */
export class TransactionRevertedError extends ContractRevertedError {
  override name = 'TransactionRevertedError'
  constructor(
    functionName: string,
    readonly transactionHash: Hash,
    readonly gasUsed: bigint,
  ) {
    super(functionName, undefined, `transaction ${transactionHash} reverted on chain`)
  }
}

export class InsufficientFundsError extends BaseError {
  override name = 'InsufficientFundsError'
  readonly retryable = false
}

export class NonceTooLowError extends BaseError {
  override name = 'NonceTooLowError'
  readonly retryable = true
}

export class ReceiptTimeoutError extends BaseError {
  override name = 'ReceiptTimeoutError'
  readonly retryable = true
}

/** Maps any error thrown by viem into one of the classes above (or a plain BaseError). */
export function toChainError(error: unknown, context: { functionName?: string; url?: string } = {}): BaseError {
  if (error instanceof BaseError) return error
  if (!(error instanceof ViemBaseError)) {
    return new BaseError(error instanceof Error ? error.message : String(error), { cause: error })
  }
  const what = context.functionName ?? 'request'
  const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError)
  if (reverted instanceof ContractFunctionRevertedError) {
    const known = reverted.data ? undefined : reverted.raw && decodeKnownError(reverted.raw)
    const errorName = reverted.data?.errorName ?? known?.errorName
    const reason = reverted.reason ?? (known ? `(${known.args.map(String).join(', ')})` : undefined)
    return new ContractRevertedError(what, errorName, reason, { cause: error, details: reverted.shortMessage })
  }
  if (error.walk((e) => e instanceof ViemInsufficientFundsError)) {
    return new InsufficientFundsError(`The sender cannot pay for ${what}: insufficient funds for gas.`, {
      cause: error,
    })
  }
  if (error.walk((e) => e instanceof ViemNonceTooLowError)) {
    return new NonceTooLowError(`Nonce too low for ${what}.`, { cause: error })
  }
  if (error instanceof WaitForTransactionReceiptTimeoutError) {
    return new ReceiptTimeoutError(`No receipt for ${what} in time.`, { cause: error })
  }
  if (error.walk((e) => e instanceof HttpRequestError || e instanceof ViemTimeoutError)) {
    const where = context.url ? ` at ${context.url}` : ''
    return new ChainUnreachableError(`Cannot reach the Ethereum node${where}.`, {
      cause: error,
      details: error.walk().toString().split('\n')[0],
      metaMessages: ['Check --eth-http-url and that the node is running.'],
    })
  }
  return new BaseError(`${what} failed: ${error.shortMessage}`, { cause: error })
}
