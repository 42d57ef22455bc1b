/**
 * When rounds run, as avs-sync runs them: the first at `--first-sync-time` (HH:MM:SS, UTC; today if that time is
 * still ahead, else tomorrow) or at once, then every `--sync-interval`, on a fixed grid from the first (a slow round
 * does not push the next ones later; a round that overruns a slot skips it). `--sync-interval 0` runs one round.
 *
 * Unlike avs-sync, a round that failed (the node unreachable, every retry spent) is tried again sooner, with
 * backoff from 5 s up to the interval, instead of leaving the stakes a whole interval behind.
 */
import { InvalidInputError } from '../core/errors.js'
import type { Logger } from '../core/logger.js'
import { sleep } from '../core/sleep.js'
import type { StakeSync } from './stakeSync.js'
import type { SyncRoundReport } from './syncReport.js'

const timeOfDay = /^(\d{2}):(\d{2}):(\d{2})$/

/** Milliseconds after midnight UTC of `HH:MM:SS`; refuses anything else. */
export function parseTimeOfDay(text: string): number {
  const match = timeOfDay.exec(text.trim())
  const [hours, minutes, seconds] = (match?.slice(1) ?? []).map(Number) as [number, number, number]
  if (!match || hours > 23 || minutes > 59 || seconds > 59) {
    throw new InvalidInputError(`expected a UTC time of day as HH:MM:SS, like 00:30:00, got ${JSON.stringify(text)}`)
  }
  return ((hours * 60 + minutes) * 60 + seconds) * 1000
}

/** The next instant at `timeOfDayMs` after midnight UTC, at or after `now` (ms). */
export function nextTimeOfDay(timeOfDayMs: number, now: number): number {
  const midnight = Math.floor(now / 86_400_000) * 86_400_000
  const today = midnight + timeOfDayMs
  return today >= now ? today : today + 86_400_000
}

/** The first slot of the grid `first + k·interval` strictly after `after`. */
export function nextSlot(first: number, intervalMs: number, after: number): number {
  if (after < first) return first
  return first + (Math.floor((after - first) / intervalMs) + 1) * intervalMs
}

export type RunStakeSyncScheduleParameters = {
  sync: StakeSync
  /** 0: one round, then return. */
  intervalMs: number
  /** Milliseconds after midnight UTC of the first round; at once when undefined. */
  firstSyncTimeOfDayMs?: number | undefined
  signal: AbortSignal
  logger: Logger
  onRound?: ((report: SyncRoundReport) => void) | undefined
  now?: (() => number) | undefined
  /** First wait before retrying a failed round (default 5 s). */
  failureBackoffMs?: number | undefined
}

/** Runs rounds until `signal` aborts (or one, with interval 0); resolves to the last round's report. */
export async function runStakeSyncSchedule(
  parameters: RunStakeSyncScheduleParameters,
): Promise<SyncRoundReport | undefined> {
  const { sync, intervalMs, signal, logger } = parameters
  const now = parameters.now ?? Date.now
  const first =
    parameters.firstSyncTimeOfDayMs === undefined ? now() : nextTimeOfDay(parameters.firstSyncTimeOfDayMs, now())
  if (first > now()) {
    logger.info({ firstSyncAt: new Date(first).toISOString() }, 'waiting for the first sync time')
    await sleep(first - now(), signal)
  }
  let last: SyncRoundReport | undefined
  let failures = 0
  while (!signal.aborted) {
    last = await sync.runRound(signal)
    parameters.onRound?.(last)
    if (intervalMs === 0 || signal.aborted) break
    const scheduled = nextSlot(first, intervalMs, now())
    let next = scheduled
    if (last.outcome === 'failed') {
      failures++
      next = Math.min(
        scheduled,
        now() + Math.min(intervalMs, (parameters.failureBackoffMs ?? 5_000) * 2 ** (failures - 1)),
      )
    } else failures = 0
    logger.debug({ nextRoundAt: new Date(next).toISOString() }, 'next stake sync round')
    await sleep(Math.max(0, next - now()), signal)
  }
  return last
}
