/**
 * One exporter process: the WebSocket API (`/query`, `/stream`) with `/health`, `/ready` and `/metrics` on one
 * address, and the writer role, which indexes while this process holds the database's writer lock. Every replica
 * on one PostgreSQL serves the API; one writes.
 */
import { type Address, getAddress } from 'viem'
import type { ChainClient } from '../chain/clients.js'
import { getTaskManagerRegistryCoordinator } from '../chain/taskManager.js'
import { BaseError } from '../core/errors.js'
import type { Readiness } from '../core/httpService.js'
import type { Logger } from '../core/logger.js'
import type { Metrics } from '../core/metrics.js'
import { createExporterRepository, createKvRepository, type Database } from '../store/index.js'
import { type ExporterApiLimits, startExporterApi } from './api/index.js'
import { ExporterContractsMismatchError, exporterSyncName, startExporterWriter } from './exporterWriter.js'

export type StartExporterParameters = {
  database: Database
  client: ChainClient
  /** JSON-RPC over HTTP; log sync reads through it. */
  rpcUrl: string
  /** JSON-RPC over WebSocket, for `newHeads` (optional: polling otherwise). */
  wsRpcUrl?: string | undefined
  registry?: Address | undefined
  taskManager?: Address | undefined
  fromBlock: bigint
  confirmations: number
  pollingIntervalMs: number
  /** `host:port` of the WebSocket and HTTP API. */
  address: string
  limits?: Partial<ExporterApiLimits> | undefined
  /** How often a standby replica tries the writer lock (default 2 s). */
  writerRetryMs?: number | undefined
  logger: Logger
  metrics: Metrics
}

export type Exporter = {
  /** `ws://host:port`: `/query` and `/stream` are under it. */
  readonly wsUrl: string
  /** `http://host:port`: `/health`, `/ready`, `/metrics`. */
  readonly httpUrl: string
  readonly isWriter: boolean
  readiness(): Promise<Readiness>
  stop(): Promise<void>
}

const configKey = 'exporter:contracts'

/** Throws unless a registry, a task manager or both are given. */
export function assertSomethingToIndex(contracts: {
  registry?: Address | undefined
  taskManager?: Address | undefined
}) {
  if (!contracts.registry && !contracts.taskManager) {
    throw new BaseError(
      'the exporter needs a registry (--registry-addr), a task manager (--task-manager-addr) or both',
      {
        exitCode: 2,
      },
    )
  }
}

export async function startExporter(parameters: StartExporterParameters): Promise<Exporter> {
  const { database, client, logger, metrics } = parameters
  if (!parameters.registry && !parameters.taskManager) {
    throw new BaseError(
      'the exporter needs a registry (--registry-addr), a task manager (--task-manager-addr) or both',
      {
        exitCode: 2,
      },
    )
  }
  const registry = parameters.registry && getAddress(parameters.registry)
  const taskManager = parameters.taskManager && getAddress(parameters.taskManager)
  await claimDatabase(database, { registry: registry ?? null, taskManager: taskManager ?? null })
  const registryCoordinator = taskManager ? await getTaskManagerRegistryCoordinator(client, taskManager) : undefined

  const controller = new AbortController()
  const writer = startExporterWriter({
    database,
    client,
    rpcUrl: parameters.rpcUrl,
    wsRpcUrl: parameters.wsRpcUrl,
    contracts: { registry, taskManager, registryCoordinator },
    fromBlock: parameters.fromBlock,
    confirmations: parameters.confirmations,
    pollingIntervalMs: parameters.pollingIntervalMs,
    retryMs: parameters.writerRetryMs,
    logger,
    metrics,
    signal: controller.signal,
  })

  const readiness = async (): Promise<Readiness> => {
    const ready = await isCaughtUp()
    metrics.exporter.ready.set(ready.ready ? 1 : 0)
    return ready
  }
  /** The writer knows from its sync; a standby compares the stored checkpoint with the chain head. */
  const isCaughtUp = async (): Promise<Readiness> => {
    const status = writer.syncStatus
    if (writer.isWriter && status) {
      return status.caughtUp
        ? { ready: true }
        : { ready: false, reason: `backfilling: block ${status.syncedBlock} of ${status.headBlock ?? 'unknown'}` }
    }
    const blocks = await createExporterRepository(database.db).loadBlocks(exporterSyncName)
    const checkpoint = blocks.at(-1)?.number
    const head = await client.getBlockNumber({ cacheTime: 0 })
    const target = head - BigInt(parameters.confirmations)
    // A standby trails the writer by its commit and notification latency: a block of slack.
    if (checkpoint !== undefined && checkpoint + 1n >= target) return { ready: true }
    return { ready: false, reason: `the index is at block ${checkpoint ?? 'none'} of ${target}` }
  }

  let api: Awaited<ReturnType<typeof startExporterApi>>
  try {
    api = await startExporterApi({
      database,
      address: parameters.address,
      logger,
      metrics,
      limits: parameters.limits,
      readiness,
    })
  } catch (error) {
    controller.abort()
    await writer.done
    throw error
  }
  logger.info({ url: api.wsUrl, registry, taskManager }, 'exporter serving /query and /stream')

  return {
    wsUrl: api.wsUrl,
    httpUrl: api.httpUrl,
    get isWriter() {
      return writer.isWriter
    },
    readiness,
    async stop() {
      controller.abort()
      await writer.done
      await api.close()
    },
  }
}

/** Records which contracts this database indexes, or refuses it when it indexes others. */
async function claimDatabase(database: Database, contracts: Record<'registry' | 'taskManager', string | null>) {
  const kv = createKvRepository(database.db)
  const stored = await kv.get<Record<'registry' | 'taskManager', string | null>>(configKey)
  if (stored === undefined) {
    await kv.set(configKey, contracts)
    return
  }
  if (stored.registry !== contracts.registry || stored.taskManager !== contracts.taskManager) {
    throw new ExporterContractsMismatchError(stored, contracts)
  }
}
