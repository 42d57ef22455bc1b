/**
 * Store failures as BaseErrors. Connection strings pass through `redactSecrets` (done by BaseError for every
 * message and detail), so a password in `--database-url` never reaches a log.
 */
import { BaseError, type BaseErrorParameters, redactSecrets } from '../core/errors.js'

/** The server could not be reached or refused the connection. */
export class DatabaseConnectionError extends BaseError {
  override name = 'DatabaseConnectionError'
}

/** A migration failed; the database keeps the migrations applied before it. */
export class DatabaseMigrationError extends BaseError {
  override name = 'DatabaseMigrationError'
}

/** The embedded database folder is already open in another process (or this one). */
export class DatabaseInUseError extends BaseError {
  override name = 'DatabaseInUseError'
  constructor(shortMessage: string, parameters: BaseErrorParameters = {}) {
    super(shortMessage, { exitCode: 1, ...parameters })
  }
}

/**
 * A connection URL fit for messages: scheme, host, port and database only. User, password and query parameters
 * (which may carry `password=` or `sslpassword=`) are dropped; text that does not parse as a URL goes through
 * `redactSecrets`.
 */
export function describePostgresUrl(url: string): string {
  try {
    const parsed = new URL(url)
    const credentials = parsed.username || parsed.password ? '***@' : ''
    return `${parsed.protocol}//${credentials}${parsed.host}${parsed.pathname}`
  } catch {
    return redactSecrets(url)
  }
}
