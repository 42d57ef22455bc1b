/**
 * A sleep that something else can cut short: log sync waits for the polling interval, and a `newHeads`
 * notification ends the wait at once. A wake that arrives while nobody waits is kept for the next wait, so a head
 * announced during a fetch is not missed.
 */
export type Wakeup = {
  /** Ends the current wait, or the next one if none is running. */
  wake(): void
  /** Resolves after `ms`, on `wake()`, or when `signal` aborts; never rejects. */
  wait(ms: number, signal: AbortSignal): Promise<void>
}

export function createWakeup(): Wakeup {
  let pending = false
  let resolveWait: (() => void) | undefined

  return {
    wake() {
      if (resolveWait) resolveWait()
      else pending = true
    },
    wait(ms, signal) {
      if (pending || signal.aborted) {
        pending = false
        return Promise.resolve()
      }
      return new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer)
          signal.removeEventListener('abort', done)
          resolveWait = undefined
          resolve()
        }
        const timer = setTimeout(done, ms)
        signal.addEventListener('abort', done, { once: true })
        resolveWait = done
      })
    },
  }
}
