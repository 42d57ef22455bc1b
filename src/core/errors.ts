/**
 * One error type for the whole of avskit, shaped after viem's `BaseError`: a one-line `shortMessage` for the
 * user, optional `details` and `metaMessages` (hints), a `cause` chain that `walk()` follows, and an exit
 * code for the CLI. Anything that might carry a credential (RPC URLs with user:password or API keys in the
 * path/query) is passed through `redactSecrets` before it reaches a message.
 */

export type BaseErrorParameters = {
  /** Further lines shown under the message: what was expected, how to fix it. */
  metaMessages?: readonly string[] | undefined
  /** The underlying failure, kept for `walk()` and debug logs. */
  cause?: unknown
  /** Low-level detail (a node's error text, a SQL message). Redacted before display. */
  details?: string | undefined
  /** Process exit code when this error ends a CLI command (2: bad input, 1: operation failed). */
  exitCode?: number | undefined
}

export class BaseError extends Error {
  override name = 'AvskitError'
  readonly shortMessage: string
  readonly details: string | undefined
  readonly metaMessages: readonly string[]
  readonly exitCode: number

  constructor(shortMessage: string, parameters: BaseErrorParameters = {}) {
    const details =
      parameters.details ??
      (parameters.cause instanceof BaseError
        ? parameters.cause.details
        : parameters.cause instanceof Error
          ? parameters.cause.message
          : undefined)
    const safeShort = redactSecrets(shortMessage)
    const safeDetails = details === undefined ? undefined : redactSecrets(details)
    const metaMessages = (parameters.metaMessages ?? []).map(redactSecrets)
    const message = [
      safeShort,
      ...metaMessages,
      ...(safeDetails && safeDetails !== safeShort ? [`Details: ${safeDetails}`] : []),
    ].join('\n')
    super(message, parameters.cause === undefined ? undefined : { cause: parameters.cause })
    this.shortMessage = safeShort
    this.details = safeDetails
    this.metaMessages = metaMessages
    this.exitCode = parameters.exitCode ?? (parameters.cause instanceof BaseError ? parameters.cause.exitCode : 1)
  }

  /** Follows the `cause` chain; returns the deepest error, or the first one `fn` accepts. */
  walk(fn?: (err: unknown) => boolean): unknown {
    return walkErrors(this, fn)
  }
}

export function walkErrors(err: unknown, fn?: (err: unknown) => boolean): unknown {
  if (fn?.(err)) return err
  if (err && typeof err === 'object' && 'cause' in err && err.cause !== undefined) return walkErrors(err.cause, fn)
  return fn ? null : err
}

/** Bad input from a user: a flag, a config value, a file, a payload. Exit code 2. */
export class InvalidInputError extends BaseError {
  override name = 'InvalidInputError'
  constructor(shortMessage: string, parameters: Omit<BaseErrorParameters, 'exitCode'> = {}) {
    super(shortMessage, { ...parameters, exitCode: 2 })
  }
}

const urlCredentials = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/@:]+)(:[^\s/@]*)?@/gi
const secretQueryParam = /([?&](?:api[-_]?key|apikey|key|token|access[-_]?token|secret|password)=)[^&\s#"']+/gi
const infuraLikePath =
  /(https?:\/\/[^\s/]*(?:infura\.io|alchemy\.com|alchemyapi\.io|quiknode\.pro|ankr\.com)[^\s]*?\/v\d+\/|\/v\d\/)([a-z0-9_-]{16,})/gi
const bearer = /(authorization:\s*bearer\s+|bearer\s+)[^\s"']+/gi

/**
 * Removes credentials from any text: `scheme://user:pass@host` (both parts), secret query parameters
 * (`?apikey=…`), provider keys in URL paths (`…/v2/<key>`), and bearer tokens.
 */
export function redactSecrets(text: string): string {
  return text
    .replace(urlCredentials, (_m, scheme: string) => `${scheme}***@`)
    .replace(secretQueryParam, (_m, prefix: string) => `${prefix}***`)
    .replace(infuraLikePath, (_m, prefix: string) => `${prefix}***`)
    .replace(bearer, (_m, prefix: string) => `${prefix}***`)
}
