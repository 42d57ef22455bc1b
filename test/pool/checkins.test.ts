/**
 * The check-in service end to end, on a devnet chain and a real database: what is stored for signed check-ins of
 * registered operators, every authentication rule refusing with its gRPC code and leaving the pool unchanged, input
 * limits, replicas sharing one database, and registration events.
 */
import * as grpc from '@grpc/grpc-js'
import { getAddress, type Hex } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { afterEach, describe, expect, test } from 'vitest'
import { registryCoordinatorAbi } from '../../src/chain/abi/index.js'
import { encodeQuorumNumbers } from '../../src/chain/quorumNumbers.js'
import { createTransactionSender } from '../../src/chain/transactionSender.js'
import { createLogger } from '../../src/core/logger.js'
import { AggregatorService, Checkin, type CheckinResp } from '../../src/gen/checkin.js'
import { testDatabaseKind, useDatabase } from '../database.js'
import {
  bearer,
  checkinOf,
  createPingClient,
  eventually,
  startTestPool,
  type TestPool,
  usePoolNetwork,
} from './harness.js'

type OperatorList = { data: Record<string, unknown>[] }

const getOperators = async (pool: TestPool): Promise<OperatorList> =>
  (await fetch(`${pool.httpUrl}/operator`)).json() as Promise<OperatorList>

const nowSeconds = () => Math.floor(Date.now() / 1000)

describe('check-in service', () => {
  const network = usePoolNetwork(3)
  const ctx = useDatabase()
  const running: TestPool[] = []
  const clients: ReturnType<typeof createPingClient>[] = []
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close()
    for (const pool of running.splice(0)) await pool.stop()
  })
  const start = async (options: Parameters<typeof startTestPool>[0] extends infer P ? Partial<P> : never = {}) => {
    const pool = await startTestPool({ network, database: ctx.database, ...options })
    running.push(pool)
    return pool
  }
  const client = (pool: TestPool) => {
    const c = createPingClient(pool.grpcAddress)
    clients.push(c)
    return c
  }

  test('stores signed check-ins from registered operators and lists them in /operator', async () => {
    const pool = await start()
    expect(await getOperators(pool)).toEqual({ data: [] })
    const grpcClient = client(pool)
    const [op0, op1, op2] = network.operators as [
      (typeof network.operators)[0],
      (typeof network.operators)[0],
      (typeof network.operators)[0],
    ]
    const before = Date.now()
    const response = await grpcClient.ping(
      checkinOf(op0, {
        address: op0.address.toLowerCase(),
        remoteIP: '203.0.113.7',
        supportedChainIds: [1n, 31337n],
        version: 'v1.0.0',
      }),
      bearer(op0),
    )
    const updatedAt = Number(response.updatedAt?.seconds) * 1000 + (response.updatedAt?.nanos ?? 0) / 1e6
    expect(updatedAt).toBeGreaterThanOrEqual(before)
    expect(updatedAt).toBeLessThanOrEqual(Date.now())
    await grpcClient.ping(checkinOf(op1), bearer(op1))

    // The same method under aggregator.Aggregator, for older operators.
    const LegacyClient = grpc.makeGenericClientConstructor(AggregatorService, 'Aggregator')
    const legacy = new LegacyClient(pool.grpcAddress, grpc.credentials.createInsecure()) as unknown as {
      ping(r: Checkin, m: grpc.Metadata, cb: (e: grpc.ServiceError | null, r?: CheckinResp) => void): void
      close(): void
    }
    const metadata = new grpc.Metadata()
    metadata.set('authorization', bearer(op2))
    await new Promise<void>((resolve, reject) =>
      legacy.ping(Checkin.fromPartial(checkinOf(op2)), metadata, (error) => (error ? reject(error) : resolve())),
    )
    legacy.close()

    const { data } = await getOperators(pool)
    expect(data.map((o) => o.address)).toEqual([op0.address, op1.address, op2.address].sort())
    const stored = data.find((o) => o.address === op0.address)
    expect(stored).toEqual({
      address: op0.address,
      operatorId: op0.operatorId,
      status: 'online',
      lastSeen: expect.stringMatching(/^[01]s ago$/),
      lastCheckinAt: updatedAt,
      firstSeenAt: updatedAt,
      checkinCount: 1,
      authenticated: true,
      peerAddress: expect.stringMatching(/^127\.0\.0\.1:\d+$/),
      remoteIp: '203.0.113.7',
      version: 'v1.0.0',
      metricsPort: 9090,
      blockNumber: 100,
      eventCount: 7,
      supportedChainIds: [1, 31337],
      explorerUrl: null,
      eigenlayerUrl: null,
    })

    await new Promise((resolve) => setTimeout(resolve, 1_000))
    await grpcClient.ping(checkinOf(op0, { version: 'v1.0.1', blockNumber: 101n }), bearer(op0))
    const again = (await getOperators(pool)).data.find((o) => o.address === op0.address)
    expect(again).toMatchObject({ version: 'v1.0.1', blockNumber: 101, checkinCount: 2, firstSeenAt: updatedAt })
    expect(await pool.metrics.pool.checkinsTotal.get()).toMatchObject({
      values: [expect.objectContaining({ labels: { outcome: 'accepted' }, value: 4 })],
    })
  })

  test('refuses unsigned, malformed, expired, future-dated, replayed, forged and unregistered check-ins, storing nothing', async () => {
    const pool = await start({ authWindowSeconds: 30 })
    const grpcClient = client(pool)
    const [op0, op1] = network.operators as [(typeof network.operators)[0], (typeof network.operators)[0]]
    const accepted = bearer(op0, nowSeconds() - 2)
    await grpcClient.ping(checkinOf(op0), accepted)
    const before = await getOperators(pool)

    const stranger = privateKeyToAccount(generatePrivateKey())
    const refusals: [string, () => Promise<unknown>, number, RegExp][] = [
      [
        'unsigned',
        () => grpcClient.ping(checkinOf(op0)),
        grpc.status.UNAUTHENTICATED,
        /^missing authorization metadata/,
      ],
      [
        'not bearer',
        () => grpcClient.ping(checkinOf(op0), 'Basic b3A6cGFzcw=='),
        grpc.status.UNAUTHENTICATED,
        /^authorization must use the "Bearer" scheme/,
      ],
      [
        'malformed',
        () => grpcClient.ping(checkinOf(op0), `Bearer ${nowSeconds()}.0xzz`),
        grpc.status.UNAUTHENTICATED,
        /^malformed check-in token/,
      ],
      [
        'expired',
        () => grpcClient.ping(checkinOf(op0), bearer(op0, nowSeconds() - 45)),
        grpc.status.UNAUTHENTICATED,
        /^expired check-in token: epoch \d+ is 4[5-7] s old; tokens are accepted for 30 s/,
      ],
      [
        'future',
        () => grpcClient.ping(checkinOf(op0), bearer(op0, nowSeconds() + 45)),
        grpc.status.UNAUTHENTICATED,
        /^check-in token from the future: epoch \d+ is 4[3-5] s ahead/,
      ],
      ['replayed', () => grpcClient.ping(checkinOf(op0), accepted), grpc.status.UNAUTHENTICATED, /^replayed check-in/],
      [
        'older',
        () => grpcClient.ping(checkinOf(op0), bearer(op0, nowSeconds() - 5)),
        grpc.status.UNAUTHENTICATED,
        /^replayed check-in: epoch \d+ is not newer than \d+, the last accepted from 0x/,
      ],
      [
        'forged',
        () => grpcClient.ping(checkinOf(op0), bearer({ address: op0.address, privateKey: op1.privateKey })),
        grpc.status.UNAUTHENTICATED,
        new RegExp(`^check-in signature is not ${op0.address}'s`),
      ],
      [
        'signed by another key',
        () =>
          grpcClient.ping(
            checkinOf(stranger),
            bearer({ address: stranger.address, privateKey: generatePrivateKey() as Hex }),
          ),
        grpc.status.UNAUTHENTICATED,
        new RegExp(`^check-in signature is not ${stranger.address}'s`),
      ],
    ]
    for (const [name, call, code, message] of refusals) {
      const error = (await call().then(
        () => undefined,
        (e: grpc.ServiceError) => e,
      )) as grpc.ServiceError | undefined
      expect(error, name).toBeDefined()
      expect({ name, code: error?.code }).toEqual({ name, code })
      expect(error?.details, name).toMatch(message)
    }

    // Properly signed by a key no RegistryCoordinator knows.
    const key = generatePrivateKey()
    const unregistered = privateKeyToAccount(key)
    const denied = await grpcClient
      .ping(checkinOf(unregistered), bearer({ address: unregistered.address, privateKey: key }))
      .catch((e: grpc.ServiceError) => e)
    expect(denied).toMatchObject({ code: grpc.status.PERMISSION_DENIED })
    expect((denied as grpc.ServiceError).details).toBe(
      `${unregistered.address} is not registered with the RegistryCoordinator ${network.registryCoordinator}`,
    )

    expect(await getOperators(pool)).toEqual(before)
    const outcomes = Object.fromEntries(
      (await pool.metrics.pool.checkinsTotal.get()).values.map((v) => [v.labels.outcome, v.value]),
    )
    expect(outcomes).toEqual({
      accepted: 1,
      unsigned: 1,
      malformed_token: 2,
      expired: 1,
      future: 1,
      replayed: 2,
      bad_signature: 2,
      unregistered: 1,
    })
  })

  test('accepts an epoch anywhere inside the window, in both directions', async () => {
    const pool = await start({ authWindowSeconds: 30 })
    const grpcClient = client(pool)
    const [, op1, op2] = network.operators as [unknown, (typeof network.operators)[0], (typeof network.operators)[0]]
    await expect(grpcClient.ping(checkinOf(op1), bearer(op1, nowSeconds() - 25))).resolves.toBeDefined()
    await expect(grpcClient.ping(checkinOf(op2), bearer(op2, nowSeconds() + 25))).resolves.toBeDefined()
    // Newer than the last accepted, still inside the window.
    await expect(grpcClient.ping(checkinOf(op1), bearer(op1, nowSeconds() - 20))).resolves.toBeDefined()
    const counts = Object.fromEntries((await getOperators(pool)).data.map((o) => [o.address, o.checkinCount]))
    expect(counts).toEqual({ [op1.address]: 2, [op2.address]: 1 })
  })

  test('two replicas on one database show the same pool, and a replay sent to the other replica is refused', async () => {
    const other = testDatabaseKind === 'postgres' ? await ctx.openAnother() : ctx.database
    const a = await start({ sharedDatabase: true })
    const b = await startTestPool({ network, database: other, sharedDatabase: true })
    running.push(b)
    const [op0, op1] = network.operators as [(typeof network.operators)[0], (typeof network.operators)[0]]
    const token = bearer(op0)
    await client(a).ping(checkinOf(op0), token)
    await client(b).ping(checkinOf(op1), bearer(op1))
    const replay = await client(b)
      .ping(checkinOf(op0, { version: 'replayed' }), token)
      .catch((e: grpc.ServiceError) => e)
    expect(replay).toMatchObject({ code: grpc.status.UNAUTHENTICATED })
    expect((replay as grpc.ServiceError).details).toMatch(
      /^replayed check-in: epoch \d+ is not newer than the last one stored/,
    )
    const fromA = await eventually(async () => {
      const list = await getOperators(a)
      return list.data.length === 2 ? list : undefined
    })
    expect(fromA.data.map((o) => o.version)).toEqual(['v1.2.3', 'v1.2.3'])
    const strip = (list: OperatorList) => list.data.map(({ lastSeen: _l, status: _s, ...rest }) => rest)
    await eventually(async () => JSON.stringify(strip(await getOperators(a))) === JSON.stringify(strip(fromA)))
    await eventually(async () => JSON.stringify(strip(await getOperators(b))) === JSON.stringify(strip(fromA)))
  })

  test('refuses malformed and oversized messages, naming the field and the limit, and keeps serving', async () => {
    const pool = await start()
    const grpcClient = client(pool)
    const [op0] = network.operators as [(typeof network.operators)[0]]
    const invalid: [Partial<Checkin>, RegExp][] = [
      [{ version: 'v'.repeat(65) }, /^invalid check-in: version is 65 bytes long; at most 64 are accepted$/],
      [{ version: 'é'.repeat(33) }, /^invalid check-in: version is 66 bytes long/],
      [{ version: 'v1\nFAKE LOG LINE' }, /version contains control characters/],
      [{ id: 'i'.repeat(129) }, /^invalid check-in: id is 129 bytes long; at most 128/],
      [{ signature: 's'.repeat(513) }, /signature is 513 bytes long; at most 512/],
      [{ remoteIP: '1'.repeat(65) }, /remoteIP is 65 bytes long; at most 64/],
      [{ remoteIP: 'not-an-ip' }, /remoteIP must be an IPv4 or IPv6 address or empty, got "not-an-ip"/],
      [
        { supportedChainIds: Array.from({ length: 65 }, () => 1n) },
        /supported_chain_ids has 65 entries; at most 64 are accepted/,
      ],
      [{ supportedChainIds: [0n] }, /supported_chain_ids\[0\] must be from 1 to 2\^53-1, got 0/],
      [{ address: '' }, /address is required/],
      [{ address: '0x1234' }, /address must be a 0x-prefixed 20-byte hex address, got "0x1234"/],
      [{ address: `0x${'g'.repeat(40)}` }, /address must be a 0x-prefixed 20-byte hex address/],
      [{ metricsPort: 70_000 }, /metricsPort must be from 0 to 65535, got 70000/],
      [{ blockNumber: -1n }, /block_number must be from 0 to 2\^53-1, got -1/],
      [{ eventCount: 2n ** 60n }, /event_count must be from 0 to 2\^53-1/],
    ]
    for (const [fields, message] of invalid) {
      const error = await grpcClient.ping(checkinOf(op0, fields), bearer(op0)).catch((e: grpc.ServiceError) => e)
      expect(error, message.source).toMatchObject({ code: grpc.status.INVALID_ARGUMENT })
      expect((error as grpc.ServiceError).details).toMatch(message)
    }
    const oversized = await grpcClient
      .ping(checkinOf(op0, { version: 'x'.repeat(2 * 1024 * 1024) }), bearer(op0))
      .catch((e: grpc.ServiceError) => e)
    expect(oversized).toMatchObject({ code: grpc.status.RESOURCE_EXHAUSTED })

    // Bytes that are not a Checkin at all.
    const RawClient = grpc.makeGenericClientConstructor(
      { ping: { ...AggregatorService.ping, path: '/aggregator.Node/Ping', requestSerialize: (b: Buffer) => b } },
      'Node',
    )
    const raw = new RawClient(pool.grpcAddress, grpc.credentials.createInsecure()) as unknown as {
      ping(r: Buffer, m: grpc.Metadata, cb: (e: grpc.ServiceError | null) => void): void
      close(): void
    }
    const metadata = new grpc.Metadata()
    metadata.set('authorization', bearer(op0))
    const undecodable = await new Promise<grpc.ServiceError | null>((resolve) =>
      raw.ping(Buffer.from([0x2a, 0xff, 0xff, 0xff]), metadata, resolve),
    )
    raw.close()
    expect(undecodable).toMatchObject({ code: grpc.status.INVALID_ARGUMENT })
    expect(undecodable?.details).toMatch(/^malformed \/aggregator\.Node\/Ping request/)

    expect(await getOperators(pool)).toEqual({ data: [] })
    await expect(grpcClient.ping(checkinOf(op0), bearer(op0))).resolves.toBeDefined()
    expect((await getOperators(pool)).data).toHaveLength(1)
  })

  test('accepts unsigned check-ins as unauthenticated only when allowed, and still verifies tokens that are sent', async () => {
    const pool = await start({ allowUnauthenticated: true })
    const grpcClient = client(pool)
    const [op0, op1] = network.operators as [(typeof network.operators)[0], (typeof network.operators)[0]]
    await grpcClient.ping(checkinOf(op0))
    const forged = await grpcClient
      .ping(checkinOf(op1), bearer({ address: op1.address, privateKey: op0.privateKey }))
      .catch((e: grpc.ServiceError) => e)
    expect(forged).toMatchObject({ code: grpc.status.UNAUTHENTICATED })
    const { data } = await getOperators(pool)
    expect(data).toEqual([expect.objectContaining({ address: op0.address, authenticated: false })])
    const page = await (await fetch(`${pool.httpUrl}/telemetry`)).text()
    expect(page).toContain(`${op0.address} (unsigned)`)
  })

  test('serves /ready, /health and the pool metrics', async () => {
    const pool = await start()
    const [op0] = network.operators as [(typeof network.operators)[0]]
    await client(pool).ping(checkinOf(op0), bearer(op0))
    await eventually(async () => (await fetch(`${pool.httpUrl}/ready`)).status === 200)
    expect(await (await fetch(`${pool.httpUrl}/health`)).json()).toEqual({ status: 'ok' })
    const metrics = await (await fetch(`${pool.httpUrl}/metrics`)).text()
    expect(metrics).toContain('avskit_pool_checkins_total{outcome="accepted"} 1')
    await eventually(async () =>
      (await (await fetch(`${pool.httpUrl}/metrics`)).text()).includes('avskit_pool_operators{status="online"} 1'),
    )
  })

  // Last: it deregisters an operator from the shared devnet.
  test('drops an operator that deregisters, and refuses its later check-ins', async () => {
    const pool = await start()
    const grpcClient = client(pool)
    const leaving = network.operators[2] as (typeof network.operators)[0]
    await grpcClient.ping(checkinOf(leaving), bearer(leaving))
    await grpcClient.ping(checkinOf(network.operators[0]!), bearer(network.operators[0]!))
    expect((await getOperators(pool)).data).toHaveLength(2)

    const sender = createTransactionSender({
      client: network.devnet.client,
      account: privateKeyToAccount(leaving.privateKey),
      logger: createLogger({ level: 'silent' }),
    })
    await sender.send({
      address: network.registryCoordinator,
      abi: registryCoordinatorAbi,
      functionName: 'deregisterOperator',
      args: [encodeQuorumNumbers([0])],
    })
    await eventually(async () => (await getOperators(pool)).data.length === 1)
    expect((await getOperators(pool)).data[0]?.address).toBe(network.operators[0]?.address)
    const denied = await grpcClient
      .ping(checkinOf(leaving), bearer(leaving, nowSeconds() + 2))
      .catch((e: grpc.ServiceError) => e)
    expect(denied).toMatchObject({ code: grpc.status.PERMISSION_DENIED })
    expect((denied as grpc.ServiceError).details).toBe(
      `${getAddress(leaving.address)} has deregistered from the RegistryCoordinator ${network.registryCoordinator}`,
    )
  })
})
