/**
 * `aggregator.Node/Ping` (and the same method as `aggregator.Aggregator/Ping` for older operators): validates the
 * check-in, authenticates it (`authenticateCheckin.ts`), checks on chain that the operator is registered, and
 * answers once the pool has stored it. A refused check-in stores nothing; its answer names the rule it broke.
 *
 * What is stored comes from the aggregator where it can: the receive time is the aggregator's clock, the peer is the
 * connection's address, the operator id is the RegistryCoordinator's. What the operator reports (version, block,
 * events, IP, chains) is kept as reported, within `validateCheckin`'s limits.
 */
import type * as grpc from '@grpc/grpc-js'
import type { Address } from 'viem'
import type { Logger } from '../core/logger.js'
import type { Metrics } from '../core/metrics.js'
import type { Checkin, CheckinResp } from '../gen/checkin.js'
import type { PoolOperatorRow } from '../store/index.js'
import type { CheckinAuthenticator } from './authenticateCheckin.js'
import { CheckinRefusedError } from './checkinRefusedError.js'
import type { CheckinWriter } from './checkinWriter.js'
import type { RegistrationCache } from './registrationCache.js'
import { validateCheckin } from './validateCheckin.js'

export type CreateCheckinServiceParameters = {
  authenticator: CheckinAuthenticator
  registrations: RegistrationCache
  writer: CheckinWriter
  registryCoordinator: Address
  logger: Logger
  metrics?: Metrics | undefined
  now?: (() => number) | undefined
  /** Called with the stored row after a check-in is stored (the pool's in-memory copy, live updates). */
  onAccepted?: ((row: PoolOperatorRow) => void) | undefined
}

export type CheckinService = {
  /** The Ping handler: resolves the response or throws `CheckinRefusedError`. */
  ping(request: Checkin, call: grpc.ServerUnaryCall<Checkin, CheckinResp>): Promise<CheckinResp>
}

export function createCheckinService(parameters: CreateCheckinServiceParameters): CheckinService {
  const { authenticator, registrations, writer, metrics, registryCoordinator } = parameters
  const logger = parameters.logger.child({ module: 'checkin' })
  const now = parameters.now ?? Date.now

  async function accept(request: Checkin, call: grpc.ServerUnaryCall<Checkin, CheckinResp>): Promise<CheckinResp> {
    const receivedAt = now()
    const checkin = validateCheckin(request)
    const authorization = call.metadata.get('authorization')[0]
    const auth = authenticator.authenticate(
      checkin.address,
      typeof authorization === 'string' ? authorization : authorization?.toString('utf8'),
    )
    let registration: Awaited<ReturnType<RegistrationCache['lookup']>>
    try {
      registration = await registrations.lookup(checkin.address)
    } catch (error) {
      logger.debug({ address: checkin.address, error: (error as Error).message }, 'registration lookup failed')
      throw new CheckinRefusedError(
        'unavailable',
        `cannot check ${checkin.address}'s registration on chain right now; retry later`,
      )
    }
    if (registration.status !== 'registered') {
      throw new CheckinRefusedError(
        'unregistered',
        registration.status === 'deregistered'
          ? `${checkin.address} has deregistered from the RegistryCoordinator ${registryCoordinator}`
          : `${checkin.address} is not registered with the RegistryCoordinator ${registryCoordinator}`,
      )
    }
    const stored = await writer.write({
      address: checkin.address,
      operatorId: registration.operatorId,
      lastCheckinAt: new Date(receivedAt),
      lastEpoch: auth.epoch,
      authenticated: auth.authenticated,
      peerAddress: call.getPeer().slice(0, 64),
      reportedIp: checkin.reportedIp,
      version: checkin.version,
      metricsPort: checkin.metricsPort,
      blockNumber: checkin.blockNumber,
      eventCount: checkin.eventCount,
      supportedChainIds: checkin.supportedChainIds,
    })
    if (!stored) {
      throw new CheckinRefusedError(
        'replayed',
        `replayed check-in: epoch ${auth.epoch} is not newer than the last one stored for ${checkin.address}`,
      )
    }
    if (auth.authenticated) authenticator.accepted(checkin.address, auth.epoch)
    parameters.onAccepted?.(stored)
    return { updatedAt: { seconds: BigInt(Math.floor(receivedAt / 1000)), nanos: (receivedAt % 1000) * 1_000_000 } }
  }

  return {
    async ping(request, call) {
      const started = performance.now()
      try {
        const response = await accept(request, call)
        metrics?.pool.checkinsTotal.inc({ outcome: 'accepted' })
        return response
      } catch (error) {
        if (error instanceof CheckinRefusedError) {
          metrics?.pool.checkinsTotal.inc({ outcome: error.rule })
          logger.debug({ peer: call.getPeer(), rule: error.rule, reason: error.shortMessage }, 'check-in refused')
        }
        throw error
      } finally {
        metrics?.pool.checkinSeconds.observe((performance.now() - started) / 1000)
      }
    },
  }
}
