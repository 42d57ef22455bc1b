/**
 * The writer role of an exporter deployment: of all exporters on one database, the one holding the writer lock
 * indexes; the others serve `/query` and `/stream` from what it writes and retry the lock, so one of them takes
 * over within `retryMs` of the writer's death (PostgreSQL drops a dead session's advisory locks).
 *
 * Each term of writing takes a fencing token and every write transaction checks it first, so a writer that lost
 * its lock connection while a transaction was open cannot write beside its successor.
 */
import type { ChainClient } from '../chain/clients.js'
import { type LogSyncStatus, startLogSync } from '../chain/logSync/index.js'
import { BaseError } from '../core/errors.js'
import type { Logger } from '../core/logger.js'
import type { Metrics } from '../core/metrics.js'
import { sleep } from '../core/sleep.js'
import { advisoryLockKey, assertFencingToken, type Database, takeFencingToken } from '../store/index.js'
import { createExporterLogDecoder, type ExporterContracts } from './decodeExporterLogs.js'
import { createExporterSyncTarget } from './exporterSyncTarget.js'

/** The role name of the lock, the fencing token and the remembered headers. */
export const exporterSyncName = 'exporter'
const writerLockKey = advisoryLockKey('avskit:exporter-writer')

export type ExporterWriterParameters = {
  database: Database
  client: ChainClient
  rpcUrl: string
  wsRpcUrl?: string | undefined
  contracts: ExporterContracts
  fromBlock: bigint
  confirmations: number
  pollingIntervalMs: number
  /** How often a standby tries the writer lock (default 2 s). */
  retryMs?: number | undefined
  logger: Logger
  metrics: Metrics
  signal: AbortSignal
}

export type ExporterWriter = {
  /** True while this process holds the lock and indexes. */
  readonly isWriter: boolean
  /** The log sync's status while writing. */
  readonly syncStatus: LogSyncStatus | undefined
  /** Settles when the loop ended after the abort. */
  readonly done: Promise<void>
}

export function startExporterWriter(parameters: ExporterWriterParameters): ExporterWriter {
  const { database, logger, metrics, signal } = parameters
  const retryMs = parameters.retryMs ?? 2_000
  const decoder = createExporterLogDecoder({ client: parameters.client, contracts: parameters.contracts })
  let isWriter = false
  let sync: ReturnType<typeof startLogSync> | undefined

  async function writeTerm(): Promise<void> {
    const token = await takeFencingToken(database.db, exporterSyncName)
    isWriter = true
    metrics.exporter.isWriter.set(1)
    logger.info({ token: token.toString() }, 'holding the exporter writer lock: indexing')
    sync = startLogSync({
      name: exporterSyncName,
      rpcUrl: parameters.rpcUrl,
      wsUrl: parameters.wsRpcUrl,
      filter: { addresses: decoder.addresses, topic0s: decoder.topic0s },
      fromBlock: parameters.fromBlock,
      confirmations: parameters.confirmations,
      pollingInterval: parameters.pollingIntervalMs,
      target: createExporterSyncTarget(database, exporterSyncName, (logs) => decoder.decode(logs), {
        metrics,
        logger,
        fence: (tx) => assertFencingToken(tx, exporterSyncName, token),
      }),
      signal,
      logger,
      metrics,
    })
    await sync.done
  }

  const done = (async () => {
    while (!signal.aborted) {
      let locked = false
      try {
        locked = await database.tryAdvisoryLock(writerLockKey)
        if (locked) await writeTerm()
      } catch (error) {
        if (signal.aborted) break
        logger.error({ err: error }, 'the exporter writer stopped: retrying')
      } finally {
        if (isWriter) logger.info('released the exporter writer lock')
        isWriter = false
        sync = undefined
        metrics.exporter.isWriter.set(0)
        if (locked && !database.closed) await database.advisoryUnlock(writerLockKey).catch(() => false)
      }
      await sleep(retryMs, signal).catch(() => {})
    }
  })()

  return {
    get isWriter() {
      return isWriter
    },
    get syncStatus() {
      return sync?.status
    },
    done,
  }
}

/** Refuses a database that indexes other contracts: its rows would mix with these. */
export class ExporterContractsMismatchError extends BaseError {
  override name = 'ExporterContractsMismatchError'
  constructor(stored: Record<string, string | null>, given: Record<string, string | null>) {
    super(
      `this database already holds an exporter index of other contracts (registry ${stored.registry ?? 'none'}, task manager ${stored.taskManager ?? 'none'}); given registry ${given.registry ?? 'none'}, task manager ${given.taskManager ?? 'none'}`,
      { exitCode: 2, metaMessages: ['use another database (--database-url or --data-dir) for other contracts'] },
    )
  }
}
