/**
 * The exporter's rows (`schema/exporter.ts`): what the indexer writes (`applyEvents`, `rollback`, the log sync's
 * headers) and what the WebSocket API reads (`/query` ranges, the stream outbox).
 *
 * Writes come from one writer at a time (the exporter holding the writer lock), each batch in one transaction
 * with its stream messages and `pg_notify`; see `applyExporterEvents.ts`, `rollbackExporter.ts` and
 * `exporterStreamOutbox.ts` for how. Reads are plain range scans on primary keys.
 */
import { and, asc, between, eq, sql } from 'drizzle-orm'
import type { Hex } from 'viem'
import {
  type ApplyExporterEventsReturnType,
  applyExporterEvents,
  applyExporterWritePlan,
  type ExporterWritePlan,
  inExporterTransaction,
} from './applyExporterEvents.js'
import type { DrizzleExecutor } from './database.js'
import type { ExporterEvent } from './exporterEvents.js'
import type { ExporterDecidedRow, ExporterOperatorRow, ExporterValidatorRow } from './exporterMessages.js'
import { readStreamHead } from './exporterStreamOutbox.js'
import { selectValidatorRows } from './exporterValidatorRows.js'
import { exporterWriteError } from './exporterWriteError.js'
import { type ExporterStreamRow, type ReadExporterStreamParameters, readExporterStream } from './readExporterStream.js'
import { type RollbackExporterReturnType, rollbackExporter } from './rollbackExporter.js'

export type { ExporterStreamRow, ReadExporterStreamParameters }

import { exporterDecided, exporterOperators, exporterSyncBlocks, exporterValidators } from './schema/index.js'

/** A remembered block header (the log sync's `BlockRef`). */
export type ExporterSyncBlock = { number: bigint; hash: Hex; parentHash: Hex }

/** How many headers a sync keeps by default: deeper than any reorganisation it should survive. */
export const defaultKeptSyncBlocks = 256

export type ExporterRepository = {
  /** Stores decoded events with their stream messages and notifies stream servers, atomically. */
  applyEvents(events: readonly ExporterEvent[]): Promise<ApplyExporterEventsReturnType>
  /** Stores a batch folded ahead (`planExporterEventsAhead`), checking it continues from what is stored. */
  applyPlan(plan: ExporterWritePlan): Promise<ApplyExporterEventsReturnType>
  /** Takes back everything above `ancestor` (undefined: everything) and streams a retraction. */
  rollback(syncName: string, ancestor: bigint | undefined): Promise<RollbackExporterReturnType>
  /** The sync's remembered headers, ascending; the last one is its checkpoint. */
  loadBlocks(syncName: string): Promise<ExporterSyncBlock[]>
  /** Remembers headers (replacing any at the same numbers) and forgets those `keep` or more below the newest. */
  saveBlocks(syncName: string, blocks: readonly ExporterSyncBlock[], keep?: number): Promise<void>
  /** Operators with `from <= index <= to`, by index; optionally only the one with this public key. */
  listOperators(range: { from: number; to: number; publicKey?: string | undefined }): Promise<ExporterOperatorRow[]>
  listValidators(range: { from: number; to: number; publicKey?: string | undefined }): Promise<ExporterValidatorRow[]>
  /** Decided tasks of one task manager (case-insensitive) with `from <= task index <= to`, by task index. */
  listDecided(range: { taskManager: string; from: number; to: number }): Promise<ExporterDecidedRow[]>
  /** Stream messages after a seq, in seq order. */
  readStream(parameters: ReadExporterStreamParameters): Promise<ExporterStreamRow[]>
  /** The highest seq in the outbox; 0 when it is empty. */
  streamHead(): Promise<bigint>
}

/**
 * Creates the repository over a database or an open transaction. Writing methods open a transaction when given
 * the database, and join the caller's when given one.
 *
 * @example
 * await database.transaction(async (tx) => {
 *   const exporter = createExporterRepository(tx)
 *   await exporter.applyEvents(events)
 *   await exporter.saveBlocks('exporter', batch.blocks)
 * })
 */
export function createExporterRepository(db: DrizzleExecutor): ExporterRepository {
  return {
    applyEvents(events) {
      return applyExporterEvents(db, events)
    },

    applyPlan(plan) {
      return applyExporterWritePlan(db, plan)
    },

    rollback(syncName, ancestor) {
      return inExporterTransaction(db, (tx) => rollbackExporter(tx, syncName, ancestor)).catch((err) => {
        throw exporterWriteError(`roll the exporter back to block ${ancestor ?? 'none'}`, err)
      })
    },

    async loadBlocks(syncName) {
      const rows = await db
        .select({
          number: exporterSyncBlocks.number,
          hash: exporterSyncBlocks.hash,
          parentHash: exporterSyncBlocks.parentHash,
        })
        .from(exporterSyncBlocks)
        .where(eq(exporterSyncBlocks.syncName, syncName))
        .orderBy(asc(exporterSyncBlocks.number))
      return rows as ExporterSyncBlock[]
    },

    async saveBlocks(syncName, blocks, keep = defaultKeptSyncBlocks) {
      if (blocks.length === 0) return
      let newest = 0n
      for (const block of blocks) if (block.number > newest) newest = block.number
      const document = JSON.stringify(
        blocks.map((block) => ({ number: block.number.toString(), hash: block.hash, parentHash: block.parentHash })),
      )
      // One statement. Its parts see the same snapshot, so the prune cannot see what the insert adds: headers that
      // would be pruned at once are not inserted.
      const cutoff = (newest - BigInt(keep)).toString()
      await db.execute(sql`with saved as (
          insert into exporter_sync_blocks (sync_name, number, hash, parent_hash)
          select ${syncName}, number, hash, "parentHash"
          from json_to_recordset(${document}::json) as input(number bigint, hash text, "parentHash" text)
          where number > ${cutoff}::bigint
          on conflict (sync_name, number) do update set hash = excluded.hash, parent_hash = excluded.parent_hash)
        delete from exporter_sync_blocks where sync_name = ${syncName} and number <= ${cutoff}::bigint`)
    },

    listOperators({ from, to, publicKey }) {
      return db
        .select()
        .from(exporterOperators)
        .where(
          and(
            between(exporterOperators.index, from, to),
            publicKey === undefined ? undefined : eq(exporterOperators.publicKey, publicKey.toLowerCase()),
          ),
        )
        .orderBy(asc(exporterOperators.index))
    },

    listValidators({ from, to, publicKey }) {
      return selectValidatorRows(db)
        .where(
          and(
            between(exporterValidators.index, from, to),
            publicKey === undefined ? undefined : eq(exporterValidators.publicKey, publicKey.toLowerCase()),
          ),
        )
        .orderBy(asc(exporterValidators.index))
    },

    listDecided({ taskManager, from, to }) {
      return db
        .select()
        .from(exporterDecided)
        .where(
          and(eq(exporterDecided.taskManager, taskManager.toLowerCase()), between(exporterDecided.taskIndex, from, to)),
        )
        .orderBy(asc(exporterDecided.taskIndex))
    },

    readStream(parameters) {
      return readExporterStream(db, parameters)
    },

    streamHead() {
      return readStreamHead(db)
    },
  }
}
