/**
 * Harness for operator pool tests: a devnet chain with registered operators (without the devnet's own pool), an
 * aggregator hosting the pool over a test database, and a gRPC client that sends check-ins with any authorization.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as grpc from '@grpc/grpc-js'
import type { Address, Hex } from 'viem'
import { afterAll, beforeAll } from 'vitest'
import { type Aggregator, startAggregator } from '../../src/aggregator/index.js'
import { createLogger, type Logger } from '../../src/core/logger.js'
import { createMetrics, type Metrics } from '../../src/core/metrics.js'
import { readEcdsaKeystoreFile } from '../../src/crypto/index.js'
import { type Devnet, startDevnet } from '../../src/devnet/startDevnet.js'
import { Checkin, type CheckinResp, NodeService } from '../../src/gen/checkin.js'
import { type PoolService, type PoolServiceOptions, signCheckinToken, startPoolService } from '../../src/pool/index.js'
import type { Database } from '../../src/store/index.js'

export type TestOperator = { index: number; address: Address; privateKey: Hex; operatorId: Hex }

export type PoolNetwork = {
  readonly devnet: Devnet
  readonly operators: TestOperator[]
  readonly registryCoordinator: Address
}

/** A devnet (anvil, contracts, `operators` registered operators) for the tests of the enclosing describe block. */
export function usePoolNetwork(operators = 3): PoolNetwork {
  let devnet: Devnet | undefined
  let dataDir: string | undefined
  const keys: TestOperator[] = []
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'avskit-pool-'))
    devnet = await startDevnet({
      dataDir,
      operators,
      quorums: 1,
      port: 0,
      blockTime: 0,
      logger: createLogger({ level: 'silent' }),
      pool: false,
    })
    for (const operator of devnet.summary.operators) {
      const password = readFileSync(operator.passwordFile, 'utf8').trim()
      const { privateKey } = await readEcdsaKeystoreFile(operator.ecdsaKeystore, password)
      keys.push({ index: operator.index, address: operator.address, privateKey, operatorId: operator.operatorId })
    }
  })
  afterAll(async () => {
    await devnet?.stop()
    if (dataDir) rmSync(dataDir, { recursive: true, force: true })
  })
  const get = () => {
    if (!devnet) throw new Error('usePoolNetwork(): the devnet exists only inside tests and hooks')
    return devnet
  }
  return {
    get devnet() {
      return get()
    },
    operators: keys,
    get registryCoordinator() {
      return get().summary.contracts.registryCoordinator as Address
    },
  }
}

export type TestPool = {
  aggregator: Aggregator
  pool: PoolService
  metrics: Metrics
  grpcAddress: string
  httpUrl: string
  stop(): Promise<void>
}

/** Starts an aggregator hosting only the pool, on free ports, with fast ticks and event polling. */
export async function startTestPool(
  parameters: {
    network: PoolNetwork
    database: Database
    logger?: Logger | undefined
  } & Partial<PoolServiceOptions> & { now?: () => number },
): Promise<TestPool> {
  const { network, database, logger = createLogger({ level: 'silent' }), now, ...options } = parameters
  const metrics = createMetrics({ defaultMetrics: false })
  let pool: PoolService | undefined
  const aggregator = await startAggregator({
    grpcAddress: '127.0.0.1:0',
    httpAddress: '127.0.0.1:0',
    database,
    client: network.devnet.client,
    logger,
    metrics,
    components: [
      async (context) => {
        pool = await startPoolService({
          ...context,
          registryCoordinator: network.registryCoordinator,
          pingIntervalMs: 1_000,
          offlineAfterMs: 600_000,
          tickMs: 100,
          chainPollIntervalMs: 100,
          now,
          ...options,
        })
        return pool
      },
    ],
  })
  return {
    aggregator,
    pool: pool as PoolService,
    metrics,
    grpcAddress: aggregator.grpcAddress,
    httpUrl: aggregator.httpUrl,
    stop: () => aggregator.stop(),
  }
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

/** `Bearer <token>` for `operator` at `epoch` (default: now). */
export function bearer(operator: { address: Address; privateKey: Hex }, epoch = Math.floor(Date.now() / 1000)): string {
  return `Bearer ${signCheckinToken({ privateKey: operator.privateKey, address: operator.address, epoch })}`
}

/** A check-in client; `ping` rejects with the gRPC ServiceError. */
export function createPingClient(address: string) {
  const client = new NodeClientConstructor(address, grpc.credentials.createInsecure()) as unknown as NodeClient
  return {
    ping(checkin: Partial<Checkin>, authorization?: string): Promise<CheckinResp> {
      const metadata = new grpc.Metadata()
      if (authorization !== undefined) metadata.set('authorization', authorization)
      return new Promise((resolve, reject) => {
        client.ping(Checkin.fromPartial(checkin), metadata, { deadline: Date.now() + 10_000 }, (error, response) => {
          if (error) reject(error)
          else resolve(response as CheckinResp)
        })
      })
    },
    close() {
      client.close()
    },
  }
}

/** A valid check-in for `operator`. */
export function checkinOf(operator: { address: Address }, fields: Partial<Checkin> = {}): Partial<Checkin> {
  return {
    address: operator.address,
    version: 'v1.2.3',
    blockNumber: 100n,
    eventCount: 7n,
    metricsPort: 9090,
    ...fields,
  }
}

/** Polls `fn` until it returns a value that is not undefined/false, or fails after `timeoutMs`. */
export async function eventually<T>(
  fn: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 15_000,
) {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const value = await fn()
      if (value !== undefined && value !== false) return value as T
    } catch (error) {
      last = error
    }
    if (Date.now() > deadline)
      throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}
