/**
 * Is this address a registered operator of the AVS? Asked of the RegistryCoordinator (`getOperatorStatus`,
 * `getOperatorId`, EigenLayer M2 middleware), remembered, and kept current by following its `OperatorRegistered` /
 * `OperatorDeregistered` events, so a check-in costs no RPC call once its operator is known.
 *
 * - Lookups of one address share one request; at most `concurrency` requests run at once and at most
 *   `maxPendingLookups` wait (more is an overload answer, not an unbounded queue).
 * - Answers older than `ttlMs` are returned while a refresh runs in the background, which also corrects what a
 *   missed or reorged event left behind.
 * - The follower polls `eth_getLogs` from the block it started at, `maxBlockRange` blocks per request; an event
 *   overrides any lookup that was in flight when it arrived. Errors are logged once per streak and retried.
 * - Up to `maxEntries` addresses are remembered; the oldest answers are forgotten first.
 */
import { type Address, getAddress, type Hex, parseEventLogs } from 'viem'
import { registryCoordinatorAbi } from '../chain/abi/index.js'
import type { ChainClient } from '../chain/clients.js'
import { toChainError } from '../chain/errors.js'
import { BaseError } from '../core/errors.js'
import type { Logger } from '../core/logger.js'
import type { Metrics } from '../core/metrics.js'
import { backoffMs, delay } from './delay.js'
import { createErrorStreak } from './errorStreak.js'

export type Registration =
  | { status: 'registered'; operatorId: Hex }
  | { status: 'unregistered' }
  | { status: 'deregistered'; operatorId: Hex }

export type CreateRegistrationCacheParameters = {
  client: ChainClient
  registryCoordinator: Address
  logger: Logger
  metrics?: Metrics | undefined
  ttlMs?: number | undefined
  maxEntries?: number | undefined
  concurrency?: number | undefined
  maxPendingLookups?: number | undefined
  pollIntervalMs?: number | undefined
  maxBlockRange?: number | undefined
}

export type RegistrationCache = {
  /** The address's registration, from memory or the chain; throws `RegistrationLookupError` when it cannot say. */
  lookup(address: Address): Promise<Registration>
  /** Follows registration events until `signal` aborts. */
  follow(signal: AbortSignal): Promise<void>
  /** Called with each address an `OperatorDeregistered` event names, and each a refresh finds no longer registered. */
  onDeregistered(listener: (address: Address) => void): void
  /** True once the follower has read the chain successfully, false while it cannot. */
  readonly following: boolean
  readonly size: number
}

/** The chain could not be asked, or too many lookups are waiting. */
export class RegistrationLookupError extends BaseError {
  override name = 'RegistrationLookupError'
}

type Entry = { registration: Registration; fetchedAt: number }

const statusNames = ['unregistered', 'registered', 'deregistered'] as const

/**
 * @example
 * const registrations = createRegistrationCache({ client, registryCoordinator, logger })
 * void registrations.follow(shutdown.signal)
 * const registration = await registrations.lookup(address) // { status: 'registered', operatorId: '0x…' }
 */
export function createRegistrationCache(parameters: CreateRegistrationCacheParameters): RegistrationCache {
  const { client, registryCoordinator, metrics } = parameters
  const logger = parameters.logger.child({ module: 'registrations' })
  const ttlMs = parameters.ttlMs ?? 10 * 60_000
  const maxEntries = parameters.maxEntries ?? 100_000
  const concurrency = parameters.concurrency ?? 8
  const maxPending = parameters.maxPendingLookups ?? 10_000
  const pollIntervalMs = parameters.pollIntervalMs ?? 2_000
  const maxBlockRange = BigInt(parameters.maxBlockRange ?? 1_000)

  const entries = new Map<Address, Entry>()
  const inFlight = new Map<Address, Promise<Registration>>()
  /** Bumped by every event for an address: a lookup that started before it must not overwrite it. */
  const generations = new Map<Address, number>()
  const listeners: ((address: Address) => void)[] = []
  const waiting: (() => void)[] = []
  let running = 0
  let following = false

  /** Stores an answer; tells the listeners when it is a deregistration (`always`: even of an unknown address). */
  const remember = (address: Address, registration: Registration, always: boolean) => {
    const previous = entries.get(address)?.registration
    entries.delete(address)
    if (entries.size >= maxEntries) entries.delete(entries.keys().next().value as Address)
    entries.set(address, { registration, fetchedAt: Date.now() })
    if (registration.status !== 'registered' && (always || previous?.status === 'registered')) {
      for (const listener of listeners) listener(address)
    }
  }

  async function withSlot<T>(fn: () => Promise<T>): Promise<T> {
    if (running >= concurrency) {
      if (waiting.length >= maxPending) {
        throw new RegistrationLookupError('too many registration lookups are waiting for the chain')
      }
      await new Promise<void>((resolve) => waiting.push(resolve))
    }
    running++
    try {
      return await fn()
    } finally {
      running--
      waiting.shift()?.()
    }
  }

  async function fetchRegistration(address: Address): Promise<Registration> {
    const generation = generations.get(address) ?? 0
    let status: number
    let operatorId: Hex
    try {
      ;[status, operatorId] = await withSlot(() =>
        Promise.all([
          client.readContract({
            address: registryCoordinator,
            abi: registryCoordinatorAbi,
            functionName: 'getOperatorStatus',
            args: [address],
          }),
          client.readContract({
            address: registryCoordinator,
            abi: registryCoordinatorAbi,
            functionName: 'getOperatorId',
            args: [address],
          }),
        ]),
      )
    } catch (error) {
      metrics?.pool.registrationLookupsTotal.inc({ result: 'failed' })
      if (error instanceof RegistrationLookupError) throw error
      throw new RegistrationLookupError(`cannot read ${address}'s registration from the RegistryCoordinator`, {
        cause: toChainError(error, { functionName: 'getOperatorStatus' }),
      })
    }
    metrics?.pool.registrationLookupsTotal.inc({ result: 'chain' })
    const name = statusNames[status] ?? 'unregistered'
    const registration: Registration = name === 'unregistered' ? { status: name } : { status: name, operatorId }
    // An event that arrived meanwhile is newer than what this call read.
    if ((generations.get(address) ?? 0) === generation) remember(address, registration, false)
    return entries.get(address)?.registration ?? registration
  }

  function refresh(address: Address): Promise<Registration> {
    let pending = inFlight.get(address)
    if (!pending) {
      pending = fetchRegistration(address).finally(() => inFlight.delete(address))
      inFlight.set(address, pending)
    }
    return pending
  }

  function applyEvent(address: Address, registration: Registration) {
    generations.set(address, (generations.get(address) ?? 0) + 1)
    remember(address, registration, true)
  }

  return {
    async lookup(address) {
      const entry = entries.get(address)
      if (!entry) return refresh(address)
      metrics?.pool.registrationLookupsTotal.inc({ result: 'cached' })
      if (Date.now() - entry.fetchedAt > ttlMs && !inFlight.has(address)) {
        refresh(address).catch((error: unknown) =>
          logger.debug({ address, error: (error as Error).message }, 'background registration refresh failed'),
        )
      }
      return entry.registration
    },

    async follow(signal) {
      const streak = createErrorStreak(logger, 'following registration events')
      let next: bigint | undefined
      let attempt = 0
      while (!signal.aborted) {
        try {
          const latest = await client.getBlockNumber()
          let from = next ?? latest + 1n
          while (from <= latest && !signal.aborted) {
            const to: bigint = from + maxBlockRange - 1n < latest ? from + maxBlockRange - 1n : latest
            const logs = await client.getLogs({ address: registryCoordinator, fromBlock: from, toBlock: to })
            const events = parseEventLogs({
              abi: registryCoordinatorAbi,
              logs,
              eventName: ['OperatorRegistered', 'OperatorDeregistered'],
            })
            for (const event of events) {
              const address = getAddress(event.args.operator)
              const registered = event.eventName === 'OperatorRegistered'
              metrics?.pool.registrationEventsTotal.inc({ event: event.eventName })
              logger.info({ address, operatorId: event.args.operatorId, block: event.blockNumber }, event.eventName)
              applyEvent(
                address,
                registered
                  ? { status: 'registered', operatorId: event.args.operatorId }
                  : { status: 'deregistered', operatorId: event.args.operatorId },
              )
            }
            from = to + 1n
            next = from
          }
          next = from
          following = true
          attempt = 0
          streak.succeeded()
          await delay(pollIntervalMs, signal)
        } catch (error) {
          following = false
          attempt++
          streak.failed(toChainError(error, { functionName: 'eth_getLogs' }))
          await delay(backoffMs(attempt, pollIntervalMs, 30_000), signal)
        }
      }
    },

    onDeregistered(listener) {
      listeners.push(listener)
    },

    get following() {
      return following
    },

    get size() {
      return entries.size
    },
  }
}
