/**
 * What a raw JSON-RPC exchange with an Ethereum node can fail with, one class per way it fails, so that log sync
 * branches on a class (retry, shrink the range, give up) instead of on message text. A node that cannot be reached
 * at all is the shared `ChainUnreachableError` of `chain/errors.ts`. Every URL in a message is redacted first: RPC
 * URLs routinely carry API keys (`…/v2/<key>`, `?apikey=`, `user:pass@`).
 */
import { BaseError, type BaseErrorParameters, redactSecrets } from '../../core/errors.js'

/** The node answered with an HTTP status other than 200. 408, 425, 429 and 5xx are worth retrying. */
export class RpcHttpError extends BaseError {
  override name = 'RpcHttpError'
  readonly retryable: boolean
  constructor(
    readonly method: string,
    readonly status: number,
    url: string,
    parameters: BaseErrorParameters = {},
  ) {
    super(`${method} got HTTP ${status} from ${redactSecrets(url)}.`, parameters)
    this.retryable = status === 408 || status === 425 || status === 429 || status >= 500
  }
}

/**
 * The node answered with a JSON-RPC error object (`{"error": {"code", "message", "data"}}`). Most of them are
 * transient (rate limits, a load-balanced node that has not seen the block yet); log sync retries them all with
 * backoff, and `isLogRangeTooLargeError` picks out the ones that mean "ask for fewer blocks".
 */
export class RpcResponseError extends BaseError {
  override name = 'RpcResponseError'
  constructor(
    readonly method: string,
    readonly code: number,
    readonly rpcMessage: string,
    readonly data: unknown,
  ) {
    super(`${method} failed with JSON-RPC error ${code}: ${rpcMessage}`, {
      details: data === undefined ? undefined : safeStringify(data),
    })
  }
}

/** The response body grew past the configured cap; for `eth_getLogs` that means the range was too wide. */
export class RpcResponseTooLargeError extends BaseError {
  override name = 'RpcResponseTooLargeError'
  constructor(
    readonly method: string,
    readonly limitBytes: number,
    readonly receivedBytes: number,
  ) {
    super(`${method} response exceeded ${limitBytes} bytes (got at least ${receivedBytes}).`, {
      metaMessages: ['Ask for a narrower block range, or raise the response size cap.'],
    })
  }
}

/** The body was not the JSON-RPC the method promises (bad JSON, missing fields, a pending log without a hash). */
export class InvalidRpcResponseError extends BaseError {
  override name = 'InvalidRpcResponseError'
  constructor(
    readonly method: string,
    what: string,
    parameters: BaseErrorParameters = {},
  ) {
    super(`${method} returned an invalid response: ${what}.`, parameters)
  }
}

function safeStringify(value: unknown): string {
  try {
    return typeof value === 'string' ? value : JSON.stringify(value)
  } catch {
    return String(value)
  }
}
