/**
 * "Log once per error streak": a loop that retries (a pinger, a chain follower, an alert channel) logs the first
 * failure of a streak as a warning, later ones of the same streak at debug level, and one line when it recovers.
 * A node that is down for an hour then leaves three lines in the log, not seven hundred.
 */
import { redactSecrets } from '../core/errors.js'
import type { Logger } from '../core/logger.js'

export type ErrorStreak = {
  /** Records a failure; logs a warning when it starts a streak. */
  failed(error: unknown, context?: Record<string, unknown>): void
  /** Records a success; logs when it ends a streak. */
  succeeded(context?: Record<string, unknown>): void
  /** Failures in the current streak (0 when the last attempt succeeded). */
  readonly failures: number
}

export function createErrorStreak(logger: Logger, what: string): ErrorStreak {
  let failures = 0
  let since = 0
  return {
    failed(error, context = {}) {
      failures++
      const message = redactSecrets(error instanceof Error ? error.message : String(error))
      if (failures === 1) {
        since = Date.now()
        logger.warn({ ...context, error: message }, `${what} failed; retrying (logged once until it recovers)`)
      } else logger.debug({ ...context, error: message, failures }, `${what} failed again`)
    },
    succeeded(context = {}) {
      if (failures > 0) {
        logger.info({ ...context, failures, downMs: Date.now() - since }, `${what} recovered`)
      }
      failures = 0
    },
    get failures() {
      return failures
    },
  }
}
