/** Timers that stop early when a service shuts down. */
import { setTimeout as sleep } from 'node:timers/promises'

/** Waits `ms`; resolves true when the time passed, false when `signal` aborted first (never rejects). */
export async function delay(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return false
  try {
    await sleep(ms, undefined, { signal })
    return true
  } catch {
    return false
  }
}

/** Exponential backoff: `baseMs · 2^(attempt-1)`, capped at `maxMs` (attempt 1 waits `baseMs`). */
export function backoffMs(attempt: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, Math.min(attempt - 1, 30)))
}
