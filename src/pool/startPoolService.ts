/**
 * Puts the operator pool into a process (`avskit aggregator`, `avskit devnet`): the check-in service on the
 * process's gRPC server (as `aggregator.Node` and `aggregator.Aggregator`), `/operator` and `/telemetry` on its HTTP
 * server, and the background work — registration events, the liveness monitor, alert delivery, and a sweep at start
 * that drops stored operators who deregistered while the aggregator was down.
 *
 * Stop order (the caller closes the gRPC server first, so no check-in arrives any more): background loops stop, the
 * check-ins already accepted are written, alert channels close.
 */
import type { FastifyInstance } from 'fastify'
import type { Address } from 'viem'
import type { ChainClient } from '../chain/clients.js'
import type { GrpcServer } from '../core/grpcServer.js'
import { unary } from '../core/grpcServer.js'
import type { Readiness } from '../core/httpService.js'
import type { Logger } from '../core/logger.js'
import type { Metrics } from '../core/metrics.js'
import { AggregatorService, NodeService } from '../gen/checkin.js'
import { createPoolRepository, type Database, type PoolRepository } from '../store/index.js'
import type { AlertChannel } from './alertChannel.js'
import { createAlertDeliverer } from './alertDeliverer.js'
import { createCheckinAuthenticator } from './authenticateCheckin.js'
import { createCheckinService } from './checkinService.js'
import { createCheckinSignatureVerifier } from './checkinToken.js'
import { createCheckinWriter } from './checkinWriter.js'
import { loadEcdsaBackend } from './ecdsaBackend.js'
import { createEmailChannel } from './emailChannel.js'
import { type ExplorerSites, explorerSitesFor } from './explorerLinks.js'
import type { LivenessRules } from './liveness.js'
import { createPoolMonitor, type PoolMonitor } from './poolMonitor.js'
import { registerPoolRoutes } from './poolRoutes.js'
import { createRegistrationCache, type RegistrationCache } from './registrationCache.js'
import { createTelegramChannel } from './telegramChannel.js'
import { createWebhookChannel } from './webhookChannel.js'

/** Where alerts go; each channel is optional. */
export type PoolAlertOptions = {
  webhookUrl?: string | undefined
  telegram?: { botToken: string; chatId: string; apiUrl?: string | undefined } | undefined
  email?: { smtpUrl: string; from: string; to: readonly string[] } | undefined
  /** First retry delay of a failed delivery (doubles up to 5 min). Default 5 s. */
  retryBaseMs?: number | undefined
}

export type PoolServiceOptions = LivenessRules & {
  registryCoordinator: Address
  /** Accepted distance of a check-in's epoch from this clock, each way, in seconds. Default 30. */
  authWindowSeconds?: number | undefined
  /** Accept check-ins without an authorization header (older operators). Default false. */
  allowUnauthenticated?: boolean | undefined
  /** Explorer / EigenLayer app base URLs; by chain id when not given. */
  sites?: ExplorerSites | undefined
  alerts?: PoolAlertOptions | undefined
  /** Liveness monitor period. Default 1 s. */
  tickMs?: number | undefined
  /** How often registration events are polled. Default 2 s. */
  chainPollIntervalMs?: number | undefined
  /**
   * Other processes write the same pool (aggregator replicas): follow their check-ins. Default: true on PostgreSQL,
   * false on PGlite (one process).
   */
  sharedDatabase?: boolean | undefined
}

export type StartPoolServiceParameters = PoolServiceOptions & {
  database: Database
  client: ChainClient
  grpc: GrpcServer
  http: FastifyInstance
  logger: Logger
  metrics?: Metrics | undefined
  now?: (() => number) | undefined
}

export type PoolService = {
  readonly repository: PoolRepository
  readonly monitor: PoolMonitor
  readonly registrations: RegistrationCache
  readiness(): Readiness
  stop(): Promise<void>
}

/** Builds the alert channels the options configure. */
export function createAlertChannels(alerts: PoolAlertOptions = {}): AlertChannel[] {
  const channels: AlertChannel[] = []
  if (alerts.webhookUrl) channels.push(createWebhookChannel({ url: alerts.webhookUrl }))
  if (alerts.telegram) channels.push(createTelegramChannel(alerts.telegram))
  if (alerts.email) channels.push(createEmailChannel(alerts.email))
  return channels
}

export async function startPoolService(parameters: StartPoolServiceParameters): Promise<PoolService> {
  const { database, client, grpc, http, metrics, registryCoordinator } = parameters
  const logger = parameters.logger.child({ service: 'pool' })
  const now = parameters.now ?? Date.now
  const rules: LivenessRules = { pingIntervalMs: parameters.pingIntervalMs, offlineAfterMs: parameters.offlineAfterMs }
  const sites = explorerSitesFor(client.chain.id, parameters.sites)
  const repository = createPoolRepository(database.db)
  const registrations = createRegistrationCache({
    client,
    registryCoordinator,
    logger,
    metrics,
    pollIntervalMs: parameters.chainPollIntervalMs,
  })
  const channels = createAlertChannels(parameters.alerts)
  const monitor = createPoolMonitor({
    repository,
    rules,
    channels: channels.map((channel) => channel.name),
    sharedDatabase: parameters.sharedDatabase ?? database.kind === 'postgres',
    logger,
    metrics,
    now,
    tickMs: parameters.tickMs,
  })
  const writer = createCheckinWriter({ repository, logger, metrics })
  const ecdsa = loadEcdsaBackend()
  if (ecdsa.name === 'wasm') {
    logger.warn(
      { reason: ecdsa.fallbackReason },
      'check-in signatures are verified with tiny-secp256k1 (WebAssembly, ~4x slower): the native secp256k1 binding did not load',
    )
  }
  const verifier = createCheckinSignatureVerifier({ backend: ecdsa })
  const service = createCheckinService({
    authenticator: createCheckinAuthenticator({
      windowSeconds: parameters.authWindowSeconds,
      allowUnauthenticated: parameters.allowUnauthenticated,
      now,
      verifier,
    }),
    registrations,
    writer,
    registryCoordinator,
    logger,
    metrics,
    now,
    onAccepted: (row) => monitor.apply(row),
  })
  const deliverer = createAlertDeliverer({
    repository,
    channels,
    sites,
    logger,
    metrics,
    now,
    retryBaseMs: parameters.alerts?.retryBaseMs,
  })

  const ping = unary(logger, service.ping)
  grpc.addService(NodeService, { ping })
  grpc.addService(AggregatorService, { ping })
  registerPoolRoutes({ app: http, monitor, rules, sites, chainId: client.chain.id, logger, metrics, now })

  const removeDeregistered = async (addresses: string[]) => {
    const removed = await repository.deleteOperators(addresses)
    if (removed.length > 0) {
      logger.info({ operators: removed }, 'deregistered operators removed from the pool')
      monitor.remove(removed)
    }
  }
  registrations.onDeregistered((address) => {
    removeDeregistered([address]).catch((error: unknown) =>
      logger.error({ err: error, address }, 'cannot remove a deregistered operator from the pool'),
    )
  })

  const controller = new AbortController()
  const { signal } = controller
  await monitor.tick()
  const loops = [
    registrations.follow(signal),
    monitor.run(signal),
    deliverer.run(signal),
    sweepDeregistered(repository, registrations, removeDeregistered, logger, signal),
  ]
  logger.info(
    {
      registryCoordinator,
      chainId: client.chain.id,
      alertChannels: channels.map((channel) => channel.name),
      authentication: parameters.allowUnauthenticated ? 'optional' : 'required',
      signatureVerification: ecdsa.name === 'native' ? 'libsecp256k1 (native)' : 'tiny-secp256k1 (WebAssembly)',
    },
    'operator pool started',
  )

  return {
    repository,
    monitor,
    registrations,
    readiness() {
      if (!monitor.loaded) return { ready: false, reason: 'the pool is loading' }
      if (!registrations.following) return { ready: false, reason: 'cannot read registration events from the chain' }
      return { ready: true }
    },
    async stop() {
      controller.abort()
      await Promise.allSettled(loops)
      await writer.close()
      await Promise.allSettled(channels.map((channel) => channel.close?.()))
      logger.info('operator pool stopped')
    },
  }
}

/**
 * Looks up every stored operator once, a few at a time so that check-ins keep the registration lookups they need,
 * and removes those no longer registered.
 */
async function sweepDeregistered(
  repository: PoolRepository,
  registrations: RegistrationCache,
  remove: (addresses: string[]) => Promise<void>,
  logger: Logger,
  signal: AbortSignal,
): Promise<void> {
  try {
    const rows = await repository.listOperators()
    const gone: string[] = []
    for (let start = 0; start < rows.length && !signal.aborted; start += 4) {
      await Promise.all(
        rows.slice(start, start + 4).map(async (row) => {
          const registration = await registrations.lookup(row.address as Address).catch(() => undefined)
          if (registration && registration.status !== 'registered') gone.push(row.address)
        }),
      )
    }
    if (gone.length > 0 && !signal.aborted) await remove(gone)
  } catch (error) {
    logger.warn({ error: (error as Error).message }, 'cannot check stored operators against the chain')
  }
}
