/**
 * The exporter as a log sync target: each batch of logs is decoded, then stored with its headers and checkpoint
 * in one transaction (rows, stream messages, `pg_notify`, headers); a reorganisation is one transaction that
 * takes back what was indexed above the common ancestor and streams a retraction. A process killed at any point
 * resumes from the last committed batch, with tables and stream exactly as they were after it.
 *
 * During a backfill, batches are prepared while earlier ones commit: decoded, and folded into their rows and
 * messages (`planExporterEventsAhead`) on the counters the batch before leaves, so that a commit sends its whole
 * transaction at once and the database never waits for this thread between two statements. A batch that removes
 * rows is folded in its transaction (it reads the rows it removes), and the batch after it waits for that commit.
 * Counters are only trusted from this target's own batches: after a rollback, a failed commit or a new start,
 * the next batch reads them again.
 *
 * Every exporter row belongs to the one sync that writes it: a rollback takes back every row above the ancestor,
 * whichever contract it came from. Index the registry and the task manager with one sync (one `eth_getLogs`
 * filter over both addresses), not two.
 */
import type { BlockRef, LogBatch, LogRecord, LogSyncTarget } from '../chain/logSync/index.js'
import type { Logger } from '../core/logger.js'
import type { Metrics } from '../core/metrics.js'
import {
  type ApplyExporterEventsReturnType,
  createExporterRepository,
  type Database,
  type DrizzleTransaction,
  type ExporterCounters,
  type ExporterEvent,
  type ExporterWritePlan,
  pipelined,
  planExporterEventsAhead,
} from '../store/index.js'

export type ExporterSyncTargetOptions = {
  /** Counts indexed rows (`avskit_exporter_rows_total`). */
  metrics?: Metrics | undefined
  /** Warns about removals of rows the exporter never indexed. */
  logger?: Pick<Logger, 'warn'> | undefined
  /** Headers kept below the newest (default 256): the deepest reorganisation the sync can roll back. */
  keepBlocks?: number | undefined
  /**
   * Runs first in every write transaction and throws to abort it: the writer's fencing-token check, so a writer
   * that lost its lock cannot write beside its successor.
   */
  fence?: ((tx: DrizzleTransaction) => Promise<void>) | undefined
}

/** A batch as `prepare` left it: its events, its plan if it could be made ahead, and how to tell its commit. */
type Prepared = {
  events: Promise<ExporterEvent[]>
  plan: Promise<ExporterWritePlan | undefined>
  committed: (counters: ExporterCounters | undefined) => void
}

/**
 * @example
 * const target = createExporterSyncTarget(database, 'exporter', (logs) => decodeExporterLogs(logs), { metrics })
 * await syncLogs({ target, … })
 */
export function createExporterSyncTarget(
  database: Database,
  syncName: string,
  decode: (logs: LogRecord[]) => Promise<ExporterEvent[]>,
  options: ExporterSyncTargetOptions = {},
): LogSyncTarget {
  const { metrics, logger, keepBlocks, fence } = options
  // What `prepare` started for each batch, taken by `commit`; a batch that is never committed takes its own with it.
  const prepared = new WeakMap<LogBatch, Prepared>()
  // The counters after the last batch prepared: known once it was planned or committed; undefined when not
  // trusted (see the module comment).
  let countersAfterPrepared: Promise<ExporterCounters | undefined> = Promise.resolve(undefined)
  const forgetCounters = () => {
    countersAfterPrepared = Promise.resolve(undefined)
  }

  return {
    async loadBlocks(): Promise<BlockRef[]> {
      forgetCounters()
      return createExporterRepository(database.db).loadBlocks(syncName)
    },

    prepare(batch) {
      const events = decode(batch.logs)
      // Its error is the commit's to report.
      events.catch(() => {})
      // Never rejects: a batch that cannot be planned ahead (or fails to be) is folded in its transaction, where a
      // failure is reported as the commit's.
      const plan = Promise.all([countersAfterPrepared, events]).then(
        ([counters, decoded]) => {
          try {
            return counters && planExporterEventsAhead(decoded, counters)
          } catch {
            return undefined
          }
        },
        () => undefined,
      )
      let committed!: (counters: ExporterCounters | undefined) => void
      const afterCommit = new Promise<ExporterCounters | undefined>((resolve) => {
        committed = resolve
      })
      countersAfterPrepared = plan.then((planned) => planned?.result.after ?? afterCommit)
      prepared.set(batch, { events, plan, committed })
    },

    async commit(batch) {
      // Decoding happens outside the transaction (started by `prepare` while earlier batches were committing, during
      // a backfill): it may be slow, and a decode error must leave nothing half done.
      const entry = prepared.get(batch)
      prepared.delete(batch)
      let result: ApplyExporterEventsReturnType
      try {
        const events = await (entry?.events ?? decode(batch.logs))
        const plan = await entry?.plan
        result = await database.transaction(async (tx) => {
          const exporter = createExporterRepository(tx)
          // Sent together (see `pipelined`): a fenced-out writer's check fails, and its transaction is rolled back
          // with everything sent beside it.
          const [, , applied] = await pipelined(
            [
              () => fence?.(tx),
              () => exporter.saveBlocks(syncName, batch.blocks, keepBlocks),
              () => (plan ? exporter.applyPlan(plan) : exporter.applyEvents(events)),
            ],
            tx,
          )
          return applied
        })
      } catch (error) {
        forgetCounters()
        entry?.committed(undefined)
        throw error
      }
      entry?.committed(result.after)
      if (metrics) {
        for (const type of ['operator', 'validator', 'decided'] as const) {
          if (result.added[type] > 0) metrics.exporter.rowsTotal.inc({ type }, result.added[type])
        }
      }
      for (const event of result.unknownRemovals) {
        logger?.warn(
          {
            type: event.type,
            block: event.location.blockNumber.toString(),
            transaction: event.location.transactionHash,
            ...(event.type === 'OperatorRemoved'
              ? { operatorId: event.operatorId.toString() }
              : { publicKey: event.publicKey }),
          },
          'removal of a row the exporter never indexed (added before its first block?): nothing to remove',
        )
      }
    },

    async rollback(ancestor) {
      forgetCounters()
      await database.transaction(async (tx) => {
        await fence?.(tx)
        await createExporterRepository(tx).rollback(syncName, ancestor?.number)
      })
    },
  }
}
