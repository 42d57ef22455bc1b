/**
 * Group commit for check-ins. A check-in is answered only once it is stored, but writing each one as its own
 * statement would cap the pool at the database's single-statement rate (DESIGN.md: 8k rows/s on Postgres as single
 * statements, 65k/s as 1000-row upserts). So check-ins that arrive while a write is running wait for the next one,
 * which writes all of them in one multi-row upsert: under load batches grow by themselves, when idle a check-in is
 * written at once.
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
  const streak = createErrorStreak(logger, 'writing check-ins')
  let queue: Pending[] = []
  let flushing: Promise<void> | undefined
  let closed = false

  async function flush(): Promise<void> {
    while (queue.length > 0) {
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
    flushing = new Promise<void>((resolve) => setImmediate(resolve)).then(flush).finally(() => {
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
      })
    },
    async close() {
      closed = true
      while (flushing) await flushing
    },
    get queued() {
      return queue.length
    },
  }
}
