/**
 * Group commit for check-ins. A check-in is answered only once it is stored, but writing each one as its own
 * statement would cap the pool at the database's single-statement rate (DESIGN.md: 8k rows/s on Postgres as single
 * statements, 65k/s as 1000-row upserts). So each write is one multi-row upsert of every check-in waiting (at most
 * `maxBatch`), check-ins that arrive while a write runs wait for the next one, and writes start at most once every
 * `writeIntervalMs`: a check-in that arrives sooner after the previous write started waits for the rest of the
 * interval, so that others can share its write.
 *
 * Why the interval: a pool upsert costs ~1 ms however few rows it has, plus ~40 µs a row (PGlite, measured).
 * Operators arrive spread out (10,000 pinging every 5 s is 2,000/s, one every 0.5 ms), so writing whatever had
 * arrived by the next turn of the event loop writes few rows at a time: 21 a write at 2,000/s in the pool bench,
 * 39 with the interval (bench/RESULTS.md). Under a load that keeps the process busy, writes are already further
 * apart than the interval, and nothing waits. 10 ms is nothing next to a 5 s ping interval.
 *
 * The queue is bounded (`maxQueue`): beyond it a check-in is refused with RESOURCE_EXHAUSTED and the operator's
 * pinger backs off, instead of the aggregator buffering without limit. A failed write refuses every check-in of
 * its batch with UNAVAILABLE (nothing of the batch is stored: it is one statement).
 */
import type { Logger } from '../core/logger.js'
import type { Metrics } from '../core/metrics.js'
import type { PoolCheckinWrite, PoolOperatorRow, PoolRepository } from '../store/index.js'
import { CheckinRefusedError } from './checkinRefusedError.js'
import { createErrorStreak } from './errorStreak.js'

export type CreateCheckinWriterParameters = {
  repository: PoolRepository
  logger: Logger
  metrics?: Metrics | undefined
  /** Rows per statement. Default 1 000. */
  maxBatch?: number | undefined
  /** The shortest time between the starts of two writes. Default 10 ms. */
  writeIntervalMs?: number | undefined
  /** Check-ins waiting beyond the one being written. Default 20 000. */
  maxQueue?: number | undefined
}

export type CheckinWriter = {
  /** Resolves to the stored row, or undefined when the database refused it as not newer than what it holds. */
  write(row: PoolCheckinWrite): Promise<PoolOperatorRow | undefined>
  /** Writes what is queued, then refuses new check-ins. */
  close(): Promise<void>
  readonly queued: number
}

type Pending = {
  row: PoolCheckinWrite
  resolve: (stored: PoolOperatorRow | undefined) => void
  reject: (error: Error) => void
}

/**
 * @example
 * const writer = createCheckinWriter({ repository: createPoolRepository(database.db), logger })
 * const stored = await writer.write(row) // undefined: refused as a replay
 */
export function createCheckinWriter(parameters: CreateCheckinWriterParameters): CheckinWriter {
  const { repository, metrics } = parameters
  const logger = parameters.logger.child({ module: 'pool-writer' })
  const maxBatch = parameters.maxBatch ?? 1_000
  const maxQueue = parameters.maxQueue ?? 20_000
  const writeIntervalMs = parameters.writeIntervalMs ?? 10
  const streak = createErrorStreak(logger, 'writing check-ins')
  let queue: Pending[] = []
  let flushing: Promise<void> | undefined
  let lastWriteAt = Number.NEGATIVE_INFINITY
  /** Ends the wait for the interval early: a full batch is waiting, or the writer is closing. */
  let stopWaiting: (() => void) | undefined
  let closed = false

  /** Writes one batch. */
  async function flush(): Promise<void> {
    if (queue.length > 0) {
      lastWriteAt = performance.now()
      const batch = queue.slice(0, maxBatch)
      queue = queue.slice(maxBatch)
      metrics?.pool.writeQueueLength.set(queue.length)
      // Of several check-ins from one operator in a batch only the newest can be stored; the others are refused
      // here, as they would be one after the other.
      const newest = new Map<string, Pending>()
      for (const pending of batch) {
        const seen = newest.get(pending.row.address)
        const newer = !seen || !pending.row.authenticated || pending.row.lastEpoch > seen.row.lastEpoch
        if (seen && newer) seen.resolve(undefined)
        if (newer) newest.set(pending.row.address, pending)
        else pending.resolve(undefined)
      }
      const unique = [...newest.values()]
      metrics?.pool.writeBatchSize.observe(unique.length)
      try {
        const accepted = await repository.recordCheckins(unique.map((pending) => pending.row))
        streak.succeeded()
        for (const pending of unique) pending.resolve(accepted.get(pending.row.address))
      } catch (error) {
        streak.failed(error, { batch: unique.length })
        const refusal = new CheckinRefusedError('unavailable', 'the pool database is unavailable; retry later')
        for (const pending of unique) pending.reject(refusal)
      }
    }
  }

  function startFlush() {
    if (flushing) return
    const waitMs = closed || queue.length >= maxBatch ? 0 : lastWriteAt + writeIntervalMs - performance.now()
    const wait = new Promise<void>((resolve) => {
      if (waitMs <= 0) {
        // Still let the check-ins of this turn of the event loop join.
        setImmediate(resolve)
        return
      }
      const timer = setTimeout(resolve, waitMs)
      stopWaiting = () => {
        clearTimeout(timer)
        resolve()
      }
    })
    flushing = wait
      .then(() => {
        stopWaiting = undefined
        return flush()
      })
      .finally(() => {
        flushing = undefined
        if (queue.length > 0) startFlush()
      })
  }

  return {
    write(row) {
      if (closed) {
        return Promise.reject(new CheckinRefusedError('unavailable', 'the aggregator is shutting down; retry later'))
      }
      if (queue.length >= maxQueue) {
        return Promise.reject(
          new CheckinRefusedError('overloaded', 'the aggregator has too many check-ins waiting; retry later'),
        )
      }
      return new Promise<PoolOperatorRow | undefined>((resolve, reject) => {
        queue.push({ row, resolve, reject })
        metrics?.pool.writeQueueLength.set(queue.length)
        startFlush()
        if (queue.length >= maxBatch) stopWaiting?.()
      })
    },
    async close() {
      closed = true
      stopWaiting?.()
      while (flushing) await flushing
    },
    get queued() {
      return queue.length
    },
  }
}
