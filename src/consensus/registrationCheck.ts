/**
 * "Is this address a registered operator?", remembered. The consensus layer asks it for every Raft peer and every
 * join request; the answer comes from the AVS's `isValidOperator` (for avskit's AVS, `getOperatorStatus` on the
 * RegistryCoordinator) and is kept `ttlMs` when positive and `negativeTtlMs` when negative, so a peer costs no
 * RPC call per batch and an operator that registers a moment later is not refused for long. Concurrent questions
 * about one address share one call. An answer past its time is still given (synchronously, from `cached`) while a
 * refresh runs, so a deregistered operator is refused at most one refresh later.
 */
export type RegistrationCheck = {
  /** Asks (or answers from memory); rejects when the question cannot be answered. */
  isRegistered(address: string): Promise<boolean>
  /** The remembered answer, refreshing it in the background when stale; undefined when never asked. */
  cached(address: string): boolean | undefined
}

export type CreateRegistrationCheckParameters = {
  isValidOperator: (address: string) => Promise<boolean>
  ttlMs?: number | undefined
  negativeTtlMs?: number | undefined
  maxEntries?: number | undefined
  now?: (() => number) | undefined
  /** Told about a background refresh that failed (the stale answer is kept). */
  onRefreshError?: ((address: string, error: unknown) => void) | undefined
}

export function createRegistrationCheck(parameters: CreateRegistrationCheckParameters): RegistrationCheck {
  const ttlMs = parameters.ttlMs ?? 60_000
  const negativeTtlMs = parameters.negativeTtlMs ?? 5_000
  const maxEntries = parameters.maxEntries ?? 10_000
  const now = parameters.now ?? Date.now
  const answers = new Map<string, { registered: boolean; at: number }>()
  const inFlight = new Map<string, Promise<boolean>>()

  function ask(address: string): Promise<boolean> {
    const key = address.toLowerCase()
    let pending = inFlight.get(key)
    if (!pending) {
      pending = parameters
        .isValidOperator(address)
        .then((registered) => {
          answers.delete(key)
          if (answers.size >= maxEntries) answers.delete(answers.keys().next().value as string)
          answers.set(key, { registered, at: now() })
          return registered
        })
        .finally(() => inFlight.delete(key))
      inFlight.set(key, pending)
    }
    return pending
  }

  function fresh(entry: { registered: boolean; at: number }): boolean {
    return now() - entry.at < (entry.registered ? ttlMs : negativeTtlMs)
  }

  return {
    async isRegistered(address) {
      const entry = answers.get(address.toLowerCase())
      if (entry && fresh(entry)) return entry.registered
      return ask(address)
    },
    cached(address) {
      const entry = answers.get(address.toLowerCase())
      if (!entry) return undefined
      if (!fresh(entry) && !inFlight.has(address.toLowerCase())) {
        ask(address).catch((error: unknown) => parameters.onRefreshError?.(address, error))
      }
      return entry.registered
    },
  }
}
