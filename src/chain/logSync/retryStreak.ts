/**
 * Backoff and logging for a run of failures of the same kind (a node down for a minute fails every request of
 * that minute). The first failure of a streak is logged at warn with the error; the rest at debug, so a long
 * outage is one line, not thousands; the first success after it logs how long it lasted. Delays double from
 * `initialDelay` to `maxDelay` with ±20 % jitter, so many replicas do not retry in lockstep.
 */
import type { Logger } from '../../core/logger.js'

export type RetryStreak = {
  /** Failures since the last success. */
  readonly failures: number
  /** Records a failure and returns the milliseconds to wait before the next try. */
  failed(error: unknown, context?: Record<string, unknown>): number
  /** Records a success, ending any streak. */
  succeeded(): void
}

export type CreateRetryStreakParameters = {
  logger: Logger
  /** What is being retried, for the log lines ("fetching logs"). */
  what: string
  initialDelay?: number | undefined
  maxDelay?: number | undefined
}

export function createRetryStreak(parameters: CreateRetryStreakParameters): RetryStreak {
  const { logger, what } = parameters
  const initialDelay = parameters.initialDelay ?? 250
  const maxDelay = parameters.maxDelay ?? 30_000
  let failures = 0
  let startedAt = 0

  return {
    get failures() {
      return failures
    },
    failed(error, context = {}) {
      failures++
      const base = Math.min(maxDelay, initialDelay * 2 ** Math.min(failures - 1, 30))
      const delay = Math.round(base * (0.8 + Math.random() * 0.4))
      if (failures === 1) {
        startedAt = Date.now()
        logger.warn({ ...context, err: error, retryInMs: delay }, `${what} failed; retrying with backoff`)
      } else {
        logger.debug({ ...context, err: error, failures, retryInMs: delay }, `${what} failed again`)
      }
      return delay
    },
    succeeded() {
      if (failures === 0) return
      logger.info({ failures, ms: Date.now() - startedAt }, `${what} works again`)
      failures = 0
    },
  }
}
