/**
 * The exporter on the devnet: indexes the devnet's NetworkRegistry and TaskManager from their deployment block,
 * over the given database (the devnet shares its embedded one), and serves `/query` and `/stream`.
 */
import type { Address } from 'viem'
import type { ChainClient } from '../chain/clients.js'
import type { Logger } from '../core/logger.js'
import { createMetrics } from '../core/metrics.js'
import { type Exporter, startExporter } from '../exporter/index.js'
import type { Database } from '../store/index.js'
import type { DevnetSummary } from './summary.js'

export type DevnetExporterParameters = {
  /** Default 127.0.0.1:0 (a free port); `avskit devnet` passes 127.0.0.1:14000. */
  address?: string | undefined
}

export async function startDevnetExporter(
  parameters: DevnetExporterParameters & {
    summary: DevnetSummary
    client: ChainClient
    database: Database
    logger: Logger
  },
): Promise<{ exporter: Exporter; services: Record<string, string> }> {
  const { summary } = parameters
  const exporter = await startExporter({
    database: parameters.database,
    client: parameters.client,
    rpcUrl: summary.rpcUrl,
    registry: summary.contracts.networkRegistry as Address,
    taskManager: summary.contracts.taskManager as Address,
    fromBlock: BigInt(summary.deploymentBlock),
    confirmations: 0,
    pollingIntervalMs: 500,
    address: parameters.address ?? '127.0.0.1:0',
    logger: parameters.logger.child({ component: 'devnet-exporter' }),
    metrics: createMetrics({ defaultMetrics: false }),
  })
  return {
    exporter,
    services: {
      'exporter query': `${exporter.wsUrl}/query`,
      'exporter stream': `${exporter.wsUrl}/stream`,
    },
  }
}
