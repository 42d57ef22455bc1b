/**
 * Liveness from the last check-in alone, so every replica computes the same status from the same row:
 *
 * - online: checked in within 3 ping intervals;
 * - stale: 3 expected pings missed (the operator may be restarting, or its network is flaky);
 * - offline: nothing for `offlineAfterMs` (default 10 minutes). Offline and the return from it raise alerts.
 *
 * `formatLastSeen` writes the age as the original aggregator's dashboard did: days, then hours, minutes, seconds,
 * the largest two units (`10s ago`, `5m0s ago`, `2h0m ago`, `2d0h ago`). It references nothing outside itself, so
 * the dashboard ships the same function to the browser (`telemetryPage.ts`).
 */

export type OperatorLiveness = 'online' | 'stale' | 'offline'

export type LivenessRules = {
  /** The interval operators are configured to check in at (`--ping-interval`). */
  pingIntervalMs: number
  /** No check-in for this long is offline (`--offline-after`). */
  offlineAfterMs: number
}

/** Missed pings after which an operator is stale. */
export const missedPingsForStale = 3

export function staleAfterMs(rules: LivenessRules): number {
  return missedPingsForStale * rules.pingIntervalMs
}

/** The status of an operator whose last check-in was at `lastCheckinAt` (ms), seen at `now` (ms). */
export function livenessOf(lastCheckinAt: number, now: number, rules: LivenessRules): OperatorLiveness {
  const age = now - lastCheckinAt
  if (age > rules.offlineAfterMs) return 'offline'
  if (age > staleAfterMs(rules)) return 'stale'
  return 'online'
}

/** `10s ago`, `5m0s ago`, `2h0m ago`, `2d0h ago`; a negative age (clock skew) reads `0s ago`. */
export function formatLastSeen(ageMs: number): string {
  const total = Math.max(0, Math.floor(ageMs / 1000))
  const days = Math.floor(total / 86_400)
  const hours = Math.floor(total / 3_600) % 24
  const minutes = Math.floor(total / 60) % 60
  const seconds = total % 60
  if (days > 0) return `${days}d${hours}h ago`
  if (hours > 0) return `${hours}h${minutes}m ago`
  if (minutes > 0) return `${minutes}m${seconds}s ago`
  return `${seconds}s ago`
}
