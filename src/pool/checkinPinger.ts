/**
 * The operator side of the pool: checks in with an aggregator every `pingIntervalMs` over gRPC
 * (`aggregator.Node/Ping`), each check-in signed with the operator's ECDSA key (`checkinToken.ts`) and carrying its
 * version, processed block, event count and metrics port.
 *
 * After a failure it backs off (doubling the interval up to `maxBackoffMs`) and logs once per error streak, with
 * the gRPC status and the aggregator's message (which says which rule refused it). Epochs are whole seconds and
 * must grow, so two check-ins are never sent within the same second.
 */
import * as grpc from '@grpc/grpc-js'
import type { Hex } from 'viem'
import { privateKeyToAddress } from 'viem/accounts'
import { BaseError } from '../core/errors.js'
import type { Logger } from '../core/logger.js'
import type { Metrics } from '../core/metrics.js'
import { Checkin, type CheckinResp, NodeService } from '../gen/checkin.js'
import { signCheckinToken } from './checkinToken.js'
import { backoffMs, delay } from './delay.js'
import { createErrorStreak } from './errorStreak.js'

export type CreateCheckinPingerParameters = {
  /** The aggregator's gRPC `host:port`. */
  aggregatorAddress: string
  /** The operator's ECDSA private key (the registered operator address). */
  privateKey: Hex
  version: string
  logger: Logger
  metrics?: Metrics | undefined
  /** Default 5 s; at least 1 s. */
  pingIntervalMs?: number | undefined
  /** Longest wait between attempts while failing. Default 60 s. */
  maxBackoffMs?: number | undefined
  /** Deadline of one check-in. Default the ping interval, at most 10 s. */
  timeoutMs?: number | undefined
  /** The port the operator serves /metrics on (0: none). */
  metricsPort?: number | undefined
  /** The public IP the operator reports (`remoteIP`), if it knows it. */
  publicIp?: string | undefined
  supportedChainIds?: readonly number[] | undefined
  /** Processed block and event count, read at each check-in. */
  status?: (() => { blockNumber: number; eventCount: number }) | undefined
  now?: (() => number) | undefined
}

export type CheckinPinger = {
  /** Checks in until `signal` aborts, then closes the connection. */
  run(signal: AbortSignal): Promise<void>
  /** One check-in now (rejects with the gRPC error). */
  pingOnce(): Promise<CheckinResp>
  readonly address: Hex
  /** Failures since the last accepted check-in. */
  readonly failures: number
  close(): void
}

type NodeClient = grpc.Client & {
  ping(
    request: Checkin,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: (error: grpc.ServiceError | null, response?: CheckinResp) => void,
  ): grpc.ClientUnaryCall
}

const NodeClientConstructor = grpc.makeGenericClientConstructor(NodeService, 'Node')
const statusNames = Object.fromEntries(Object.entries(grpc.status).map(([name, code]) => [code, name]))

/**
 * @example
 * const pinger = createCheckinPinger({ aggregatorAddress: '127.0.0.1:2206', privateKey, version: '1.0.0', logger })
 * void pinger.run(shutdown.signal)
 */
export function createCheckinPinger(parameters: CreateCheckinPingerParameters): CheckinPinger {
  const pingIntervalMs = parameters.pingIntervalMs ?? 5_000
  if (pingIntervalMs < 1_000) throw new BaseError('The ping interval must be at least 1 s (epochs are whole seconds).')
  const maxBackoffMs = parameters.maxBackoffMs ?? 60_000
  const timeoutMs = parameters.timeoutMs ?? Math.min(pingIntervalMs, 10_000)
  const now = parameters.now ?? Date.now
  const address = privateKeyToAddress(parameters.privateKey)
  const logger = parameters.logger.child({ module: 'pinger', operator: address })
  const streak = createErrorStreak(logger, `check-in with ${parameters.aggregatorAddress}`)
  const startedAt = now()
  const client = new NodeClientConstructor(
    parameters.aggregatorAddress,
    grpc.credentials.createInsecure(),
  ) as unknown as NodeClient
  let lastEpoch = 0
  let failures = 0

  async function pingOnce(): Promise<CheckinResp> {
    let epoch = Math.floor(now() / 1000)
    if (epoch <= lastEpoch) {
      await new Promise((resolve) => setTimeout(resolve, (lastEpoch + 1) * 1000 - now()))
      epoch = lastEpoch + 1
    }
    lastEpoch = epoch
    const status = parameters.status?.() ?? { blockNumber: 0, eventCount: 0 }
    const at = now()
    const request = Checkin.fromPartial({
      id: address,
      address,
      version: parameters.version,
      metricsPort: parameters.metricsPort ?? 0,
      remoteIP: parameters.publicIp ?? '',
      blockNumber: BigInt(status.blockNumber),
      eventCount: BigInt(status.eventCount),
      supportedChainIds: (parameters.supportedChainIds ?? []).map(BigInt),
      status: {
        uptime: BigInt(Math.floor((at - startedAt) / 1000)),
        queueDepth: 0n,
        lastHeartbeat: { seconds: BigInt(Math.floor(at / 1000)), nanos: (at % 1000) * 1_000_000 },
      },
    })
    const metadata = new grpc.Metadata()
    metadata.set('authorization', `Bearer ${signCheckinToken({ privateKey: parameters.privateKey, address, epoch })}`)
    return new Promise((resolve, reject) => {
      client.ping(request, metadata, { deadline: Date.now() + timeoutMs }, (error, response) => {
        if (error) reject(error)
        else resolve(response as CheckinResp)
      })
    })
  }

  return {
    async run(signal) {
      try {
        while (!signal.aborted) {
          let wait = pingIntervalMs
          try {
            await pingOnce()
            parameters.metrics?.pool.pingsTotal.inc({ outcome: 'ok' })
            failures = 0
            streak.succeeded()
          } catch (error) {
            failures++
            const code = (error as grpc.ServiceError).code
            const outcome = statusNames[code] ?? 'ERROR'
            parameters.metrics?.pool.pingsTotal.inc({ outcome })
            streak.failed(error, { code: outcome })
            wait = backoffMs(failures, pingIntervalMs, Math.max(maxBackoffMs, pingIntervalMs))
          }
          await delay(wait, signal)
        }
      } finally {
        client.close()
      }
    },
    pingOnce,
    address,
    get failures() {
      return failures
    },
    close() {
      client.close()
    },
  }
}
