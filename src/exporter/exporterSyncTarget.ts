/**
 * The exporter as a log sync target: each batch of logs is decoded, then stored with its headers and checkpoint
 * in one transaction (rows, stream messages, `pg_notify`, headers); a reorganisation is one transaction that
 * takes back what was indexed above the common ancestor and streams a retraction. A process killed at any point
 * resumes from the last committed batch, with tables and stream exactly as they were after it.
 *
 * Every exporter row belongs to the one sync that writes it: a rollback takes back every row above the ancestor,
 * whichever contract it came from. Index the registry and the task manager with one sync (one `eth_getLogs`
 * filter over both addresses), not two.
 */
import type { BlockRef, LogBatch, LogRecord, LogSyncTarget } from '../chain/logSync/index.js'
import type { Logger } from '../core/logger.js'
import type { Metrics } from '../core/metrics.js'
import type { ExporterEvent } from '../store/index.js'
import { createExporterRepository, type Database, type DrizzleTransaction, pipelined } from '../store/index.js'

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
  // Decodings started by `prepare`, taken by `commit`; a batch that is never committed takes its own with it.
  const decoding = new WeakMap<LogBatch, Promise<ExporterEvent[]>>()
  return {
    async loadBlocks(): Promise<BlockRef[]> {
      return createExporterRepository(database.db).loadBlocks(syncName)
    },

    prepare(batch) {
      const events = decode(batch.logs)
      // Its error is the commit's to report.
      events.catch(() => {})
      decoding.set(batch, events)
    },

    async commit(batch) {
      // Decoding happens outside the transaction (started by `prepare` while earlier batches were committing, during
      // a backfill): it may be slow, and a decode error must leave nothing half done.
      const events = await (decoding.get(batch) ?? decode(batch.logs))
      decoding.delete(batch)
      const result = await database.transaction(async (tx) => {
        const exporter = createExporterRepository(tx)
        // Sent together, in this order (see `pipelined`): a fenced-out writer's check fails, and its transaction is
        // rolled back with whatever followed.
        const [, , applied] = await pipelined([
          fence?.(tx),
          exporter.saveBlocks(syncName, batch.blocks, keepBlocks),
          exporter.applyEvents(events),
        ])
        return applied
      })
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
      await database.transaction(async (tx) => {
        await fence?.(tx)
        await createExporterRepository(tx).rollback(syncName, ancestor?.number)
      })
    },
  }
}
