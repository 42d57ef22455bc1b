/**
 * The operator pool on the devnet: the aggregator (gRPC check-ins, /operator, /telemetry) over the devnet's embedded
 * database (`<data-dir>/pglite`), and one pinger per devnet operator, signing with the operator's keystore and
 * reporting the devnet chain's head and the AVS contracts' events. Their URLs go into the devnet summary.
 */
import type { Address } from 'viem'
import { type Aggregator, type AggregatorComponentStarter, startAggregator } from '../aggregator/index.js'
import type { ChainClient } from '../chain/clients.js'
import type { Logger } from '../core/logger.js'
import { createMetrics, type Metrics } from '../core/metrics.js'
import { packageVersion } from '../core/packageVersion.js'
import { readEcdsaKeystoreFile, resolvePassword } from '../crypto/index.js'
import { type CheckinPinger, createChainProgress, createCheckinPinger, startPoolService } from '../pool/index.js'
import { type Database, openDatabase } from '../store/index.js'
import type { DevnetSummary } from './summary.js'

export type DevnetPoolParameters = {
  /** Default 127.0.0.1:0 (a free port); `avskit devnet` passes 127.0.0.1:2206. */
  grpcAddress?: string | undefined
  /** Default 127.0.0.1:0; `avskit devnet` passes 127.0.0.1:8080. */
  httpAddress?: string | undefined
  /** Default 5 s. */
  pingIntervalMs?: number | undefined
  /** Default 10 min. */
  offlineAfterMs?: number | undefined
}

export type StartDevnetPoolParameters = DevnetPoolParameters & {
  dataDir: string
  summary: DevnetSummary
  client: ChainClient
  logger: Logger
  /** More services for the same aggregator process (task aggregation), started after the pool. */
  components?: readonly AggregatorComponentStarter[] | undefined
}

export type DevnetPool = {
  aggregator: Aggregator
  /** One per devnet operator, in the summary's order. */
  pingers: { operator: Address; pinger: CheckinPinger; stop(): Promise<void> }[]
  database: Database
  metrics: Metrics
  /** Service URLs for the devnet summary. */
  services: Record<string, string>
  stop(): Promise<void>
}

export async function startDevnetPool(parameters: StartDevnetPoolParameters): Promise<DevnetPool> {
  const { summary, client } = parameters
  const logger = parameters.logger.child({ component: 'devnet-pool' })
  const pingIntervalMs = parameters.pingIntervalMs ?? 5_000
  const registryCoordinator = summary.contracts.registryCoordinator as Address
  const metrics = createMetrics({ defaultMetrics: false })
  const database = await openDatabase({ dataDir: parameters.dataDir, logger })
  let aggregator: Aggregator
  try {
    aggregator = await startAggregator({
      grpcAddress: parameters.grpcAddress ?? '127.0.0.1:0',
      httpAddress: parameters.httpAddress ?? '127.0.0.1:0',
      database,
      client,
      logger,
      metrics,
      components: [
        (context) =>
          startPoolService({
            ...context,
            registryCoordinator,
            pingIntervalMs,
            offlineAfterMs: parameters.offlineAfterMs ?? 600_000,
          }),
        ...(parameters.components ?? []),
      ],
    })
  } catch (error) {
    await database.close()
    throw error
  }

  const controller = new AbortController()
  const avsContracts = ['registryCoordinator', 'taskManager', 'serviceManager']
    .map((name) => summary.contracts[name])
    .filter((address): address is Address => address !== undefined)
  const progress = createChainProgress({ client, addresses: avsContracts, logger, pollIntervalMs: 1_000 })
  const progressLoop = progress.run(controller.signal)
  const pingers: DevnetPool['pingers'] = []
  for (const operator of summary.operators) {
    const password = await resolvePassword({ label: `devnet operator ${operator.index}`, file: operator.passwordFile })
    const { privateKey } = await readEcdsaKeystoreFile(operator.ecdsaKeystore, password)
    const pinger = createCheckinPinger({
      aggregatorAddress: aggregator.grpcAddress,
      privateKey,
      version: `avskit/${packageVersion()}`,
      logger,
      pingIntervalMs,
      supportedChainIds: [client.chain.id],
      status: () => progress.status(),
    })
    const own = new AbortController()
    const signal = AbortSignal.any([controller.signal, own.signal])
    const loop = pinger.run(signal)
    pingers.push({
      operator: operator.address,
      pinger,
      async stop() {
        own.abort()
        await loop
      },
    })
  }
  logger.info({ operators: pingers.length, dashboard: `${aggregator.httpUrl}/telemetry` }, 'devnet pool started')

  return {
    aggregator,
    pingers,
    database,
    metrics,
    services: {
      'aggregator gRPC': aggregator.grpcAddress,
      'operator pool': `${aggregator.httpUrl}/operator`,
      dashboard: `${aggregator.httpUrl}/telemetry`,
    },
    async stop() {
      controller.abort()
      await Promise.allSettled([progressLoop, ...pingers.map((entry) => entry.stop())])
      await aggregator.stop()
      await database.close()
    },
  }
}
