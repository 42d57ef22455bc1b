/**
 * Per-connection request rate: a token bucket (`requestsPerSecond` refilled continuously, `requestBurst` at most).
 * A request without a token is refused with an error message; a connection that keeps sending regardless (more
 * than `maxRefused` refusals within a 10 s window) is closed with 1008 (policy violation).
 */
export type RequestRateLimiter = {
  /** 'accept' (a token was taken), 'refuse' (answer with an error), or 'close' (the client keeps abusing). */
  take(now?: number): 'accept' | 'refuse' | 'close'
}

const refusalWindowMs = 10_000

export function createRequestRateLimiter(parameters: {
  requestsPerSecond: number
  requestBurst: number
  maxRefused: number
}): RequestRateLimiter {
  const { requestsPerSecond, requestBurst, maxRefused } = parameters
  let tokens = requestBurst
  let refilledAt = performance.now()
  let windowStart = refilledAt
  let refused = 0
  return {
    take(now = performance.now()) {
      tokens = Math.min(requestBurst, tokens + ((now - refilledAt) / 1000) * requestsPerSecond)
      refilledAt = now
      if (tokens >= 1) {
        tokens -= 1
        return 'accept'
      }
      if (now - windowStart > refusalWindowMs) {
        windowStart = now
        refused = 0
      }
      refused += 1
      return refused > maxRefused ? 'close' : 'refuse'
    },
  }
}
