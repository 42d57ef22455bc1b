/**
 * The queue between the backfill's fetches and the target's commits: batches are committed in the order they were
 * pushed, one at a time, while the fetcher goes on, up to `maxQueuedLogs` ahead. Fetching (the node's work and
 * JSON parsing) then overlaps with committing (the database's), and memory stays bounded.
 *
 * A failed commit stops the queue: nothing after it is committed (its batches start where the failed one did),
 * `failed` rejects with the error, and so do `ready` and `drain`. An abort of `signal` drops the batches not yet
 * started; the commit in flight finishes (the target commits each batch in one transaction, and a caller waits for
 * it with `stop`).
 */
import type { LogBatch } from './types.js'

export type CommitQueue = {
  /** Resolves once fewer than `maxQueuedLogs` logs wait (or on abort); rejects once a commit failed. */
  ready(): Promise<void>
  /** Queues batches after those already queued (consecutive ranges, in chain order). */
  push(batches: readonly LogBatch[]): void
  /** Resolves once every queued batch is committed; rejects with a commit's error. */
  drain(): Promise<void>
  /** Drops the batches not yet started and waits for the commit in flight; rejects if that one failed. */
  stop(): Promise<void>
  /** Rejects with the first commit error; never resolves. */
  readonly failed: Promise<never>
}

export type CreateCommitQueueParameters = {
  commit: (batch: LogBatch) => Promise<void>
  /** Logs queued or being committed beyond which `ready` waits. */
  maxQueuedLogs: number
  signal: AbortSignal
}

/**
 * @example
 * const queue = createCommitQueue({ commit, maxQueuedLogs: 20_000, signal })
 * await queue.ready()
 * queue.push(await fetchBatches())
 * await queue.drain()
 */
export function createCommitQueue(parameters: CreateCommitQueueParameters): CommitQueue {
  const { commit, maxQueuedLogs, signal } = parameters
  const queued: LogBatch[] = []
  let queuedLogs = 0
  let running: Promise<void> | undefined
  let failure: { error: unknown } | undefined
  let waiters: (() => void)[] = []
  let rejectFailed: (error: unknown) => void = () => {}
  const failed = new Promise<never>((_, reject) => {
    rejectFailed = reject
  })
  // Callers race it; nobody has to.
  failed.catch(() => {})

  const wakeWaiters = () => {
    const woken = waiters
    waiters = []
    for (const wake of woken) wake()
  }
  const dropQueued = () => {
    for (const batch of queued) queuedLogs -= batch.logs.length
    queued.length = 0
    wakeWaiters()
  }
  signal.addEventListener('abort', dropQueued, { once: true })

  function start() {
    if (running || failure || queued.length === 0) return
    running = (async () => {
      try {
        for (let batch = queued.shift(); batch; batch = queued.shift()) {
          try {
            await commit(batch)
          } catch (error) {
            failure = { error }
            rejectFailed(error)
            dropQueued()
            return
          }
          queuedLogs -= batch.logs.length
          wakeWaiters()
        }
      } finally {
        running = undefined
        wakeWaiters()
      }
    })()
  }

  const settled = async (done: () => boolean) => {
    while (!failure && !done()) await new Promise<void>((resolve) => waiters.push(resolve))
    if (failure) throw failure.error
  }

  return {
    ready: () => settled(() => signal.aborted || queuedLogs < maxQueuedLogs),
    push(batches) {
      if (failure || signal.aborted) return
      for (const batch of batches) {
        queued.push(batch)
        queuedLogs += batch.logs.length
      }
      start()
    },
    drain: () => settled(() => !running && queued.length === 0),
    async stop() {
      dropQueued()
      signal.removeEventListener('abort', dropQueued)
      await running
      if (failure) throw failure.error
    },
    failed,
  }
}
