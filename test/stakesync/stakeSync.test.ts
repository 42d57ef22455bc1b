/**
 * Stake sync against a real chain: 5 operators registered on anvil in 2 quorums (operator 0 in both), their shares
 * changed in the DelegationManager stand-in, and rounds of `createStakeSync` reading and writing the real contracts.
 * Each test starts from the same chain state (anvil snapshot) with a fresh sender.
 */
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type Address, createPublicClient, http, parseEther } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest'
import { registryCoordinatorAbi, stakeRegistryAbi } from '../../src/chain/abi/index.js'
import { type ChainClient, createChainClient } from '../../src/chain/clients.js'
import { ChainUnreachableError } from '../../src/chain/errors.js'
import { createTransactionSender } from '../../src/chain/transactionSender.js'
import { createLogger } from '../../src/core/logger.js'
import { createMetrics, type Metrics } from '../../src/core/metrics.js'
import {
  type CreateStakeSyncParameters,
  createStakeSync,
  formatSyncReport,
  type StalenessAlertPayload,
} from '../../src/stakesync/index.js'
import { createNetwork, type Network } from '../aggregation/network.js'
import { anvilAccounts, useAnvil } from '../anvil.js'
import { delegateStake } from '../contracts/contractsFixture.js'

const logger = createLogger({ level: 'silent' })
const ether = (n: number) => parseEther(String(n))
const specs = [
  { quorums: [0, 1], shares: ether(1000) },
  { quorums: [0], shares: ether(1100) },
  { quorums: [0], shares: ether(1200) },
  { quorums: [1], shares: ether(1300) },
  { quorums: [1], shares: ether(1400) },
]
const syncKey = anvilAccounts[9]

describe('stake sync', () => {
  const chain = useAnvil()
  let network: Network
  let client: ChainClient
  let snapshot: `0x${string}`
  let metrics: Metrics

  beforeAll(async () => {
    network = await createNetwork(chain.rpcUrl, 2, specs)
    client = await createChainClient({ url: chain.rpcUrl })
  })
  beforeEach(async () => {
    snapshot = await network.testClient.snapshot()
    metrics = createMetrics({ defaultMetrics: false })
  })
  afterEach(async () => {
    await network.testClient.revert({ id: snapshot })
  })

  function newSync(parameters: Partial<CreateStakeSyncParameters> = {}) {
    const sender = parameters.dryRun
      ? undefined
      : createTransactionSender({ client, account: privateKeyToAccount(syncKey), logger })
    return createStakeSync({
      client,
      registryCoordinator: network.contracts.registryCoordinator,
      operatorStateRetriever: network.contracts.operatorStateRetriever,
      sender,
      logger,
      metrics,
      retryBackoffMs: 10,
      ...parameters,
    })
  }

  const operator = (i: number) => network.operators[i]!.account.address
  const setShares = (i: number, shares: bigint) => delegateStake(network, operator(i), [shares])

  async function recordedStake(i: number, quorumNumber: number): Promise<bigint> {
    const operatorId = await client.readContract({
      address: network.contracts.registryCoordinator,
      abi: registryCoordinatorAbi,
      functionName: 'getOperatorId',
      args: [operator(i)],
    })
    return client.readContract({
      address: network.contracts.stakeRegistry,
      abi: stakeRegistryAbi,
      functionName: 'getCurrentStake',
      args: [operatorId, quorumNumber],
    })
  }

  const quorumUpdateBlock = (quorumNumber: number) =>
    client.readContract({
      address: network.contracts.registryCoordinator,
      abi: registryCoordinatorAbi,
      functionName: 'quorumUpdateBlockNumber',
      args: [quorumNumber],
    })

  test('updates the quorum whose stakes changed, in full and sorted, and skips the other', async () => {
    await setShares(1, ether(5000))
    const sync = newSync()
    const report = await sync.runRound()
    expect(report.outcome).toBe('completed')
    expect(report.quorums.map((q) => [q.quorumNumber, q.action, q.reason.kind])).toEqual([
      [0, 'updateOperatorsForQuorum', 'changed'],
      [1, 'none', 'unchanged'],
    ])
    expect(report.quorums[0]?.changes).toEqual([{ address: operator(1), recorded: ether(1100), current: ether(5000) }])
    const [update] = report.updates
    expect(update).toMatchObject({ functionName: 'updateOperatorsForQuorum', quorumNumber: 0, outcome: 'sent' })
    const quorum0 = [operator(0), operator(1), operator(2)].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1))
    expect(update?.operators).toEqual(quorum0)
    expect(await recordedStake(1, 0)).toBe(ether(5000))
    expect(await quorumUpdateBlock(0)).toBe(update?.blockNumber)
    expect(await quorumUpdateBlock(1)).toBe(0n)
    expect(formatSyncReport(report).join('\n')).toMatch(
      /quorum 0: sent updateOperatorsForQuorum of 3 operators: 0x[0-9a-f]{64}/,
    )

    const again = await sync.runRound()
    expect(again.updates).toEqual([])
    expect(again.quorums.map((q) => q.reason.kind)).toEqual(['unchanged', 'unchanged'])
    expect(formatSyncReport(again)).toContain(
      'quorum 0: no transaction: the recorded stakes of all 3 operators equal their current weights (--force sends anyway)',
    )
    const metricsText = await metrics.registry.metrics()
    expect(metricsText).toContain('avssync_update_stake_attempt{status="succeed",quorum="0"} 1')
    expect(metricsText).toContain('avssync_operators_updated{quorum="0"} 3')
    expect(metricsText).toContain('avssync_skipped_total{quorum="1",reason="unchanged"} 2')
  })

  test('--force updates an unchanged quorum; an operator below the minimum is recorded at 0 and leaves it', async () => {
    await setShares(3, 0n)
    const report = await newSync({ force: true }).runRound()
    expect(report.quorums.map((q) => q.reason.kind)).toEqual(['forced', 'changed'])
    expect(report.updates.map((u) => u.outcome)).toEqual(['sent', 'sent'])
    expect(await recordedStake(3, 1)).toBe(0n)
    expect(formatSyncReport(report).join('\n')).toContain('(below the minimum: deregistered)')
  })

  test('an operator registering between the read and the write makes the first attempt revert; the retry re-reads and succeeds', async () => {
    await setShares(2, ether(3000))
    let registered: Address | undefined
    const sync = newSync({
      hooks: {
        async beforeSubmit({ attempt }) {
          if (attempt === 1)
            registered = (await network.addOperator({ quorums: [0], shares: ether(700) })).account.address
        },
      },
    })
    const report = await sync.runRound()
    const [update] = report.updates
    expect(update?.outcome).toBe('sent')
    expect(update?.attempts).toBe(2)
    expect(update?.attemptErrors).toEqual([
      expect.stringMatching(/updateOperatorsForQuorum reverted with OperatorCountMismatch/),
    ])
    expect(update?.operators).toHaveLength(4)
    expect(update?.operators).toContain(registered)
    expect(await recordedStake(2, 0)).toBe(ether(3000))
    expect(await metrics.registry.metrics()).toContain('avssync_retries_total{quorum="0",failure="revert"} 1')
  })

  test('a dry run plans with gas estimates and sends nothing', async () => {
    await setShares(4, ether(9000))
    const blockBefore = await client.getBlockNumber()
    const report = await newSync({ dryRun: true }).runRound()
    expect(report.dryRun).toBe(true)
    expect(report.updates).toEqual([
      expect.objectContaining({ functionName: 'updateOperatorsForQuorum', quorumNumber: 1, outcome: 'planned' }),
    ])
    expect(report.updates[0]?.gasEstimate).toBeGreaterThan(50_000n)
    expect(await client.getBlockNumber()).toBe(blockBefore)
    expect(await recordedStake(4, 1)).toBe(ether(1400))
    const text = formatSyncReport(report).join('\n')
    expect(text).toMatch(/^dry run at block \d+: nothing is sent/)
    expect(text).toMatch(
      /quorum 1: would send updateOperatorsForQuorum of 3 operators, ~\d+ gas \(1 of 3 stakes changed\)/,
    )
    expect(text).toContain(`${operator(4)}  1400 → 9000`)
  })

  test('a quorum whose full update exceeds --max-gas-per-tx gets its changed operators in updateOperators chunks', async () => {
    await setShares(1, ether(2000))
    await setShares(2, ether(2500))
    const estimate = (functionName: 'updateOperators' | 'updateOperatorsForQuorum', args: readonly unknown[]) =>
      client.estimateContractGas({
        address: network.contracts.registryCoordinator,
        abi: registryCoordinatorAbi,
        functionName,
        args,
        account: privateKeyToAccount(syncKey).address,
      } as never)
    const single = await estimate('updateOperators', [[operator(2)]])
    const pair = await estimate('updateOperators', [[operator(1), operator(2)]])
    const maxGasPerTx = single + 5_000n
    expect(pair).toBeGreaterThan(maxGasPerTx)
    const blockBefore = await quorumUpdateBlock(0)
    const report = await newSync({ maxGasPerTx }).runRound()
    expect(report.quorums[0]).toMatchObject({ action: 'updateOperators' })
    expect(report.quorums[0]?.fullUpdateGasEstimate).toBeGreaterThan(maxGasPerTx)
    expect(report.updates.map((u) => [u.functionName, u.operators.length, u.outcome])).toEqual([
      ['updateOperators', 1, 'sent'],
      ['updateOperators', 1, 'sent'],
    ])
    for (const update of report.updates) expect(update.gasUsed).toBeLessThanOrEqual(maxGasPerTx)
    expect(await recordedStake(1, 0)).toBe(ether(2000))
    expect(await recordedStake(2, 0)).toBe(ether(2500))
    expect(await quorumUpdateBlock(0)).toBe(blockBefore)
  })

  test('operator-subset mode sends updateOperators for the given operators whose stakes changed', async () => {
    await setShares(0, ether(4000))
    const stranger = privateKeyToAccount(generatePrivateKey()).address
    const sync = newSync({ operators: [operator(0), operator(3), stranger] })
    const report = await sync.runRound()
    expect(report.mode).toBe('operators')
    expect(report.unregistered).toEqual([stranger])
    expect(report.operatorChanges.map((c) => [c.address, c.quorumNumber])).toEqual([
      [operator(0), 0],
      [operator(0), 1],
    ])
    expect(report.updates).toEqual([
      expect.objectContaining({ functionName: 'updateOperators', operators: [operator(0)], outcome: 'sent' }),
    ])
    expect(await recordedStake(0, 0)).toBe(ether(4000))
    expect(await recordedStake(0, 1)).toBe(ether(4000))
    expect((await sync.runRound()).updates).toEqual([])
    expect(await metrics.registry.metrics()).toContain('avssync_update_stake_attempt{status="succeed",quorum=""} 1')
  })

  test('a quorum past --max-staleness is alerted once through the webhook, and its recovery once', async () => {
    const posts: StalenessAlertPayload[] = []
    const server = createServer(async (request: IncomingMessage, response) => {
      let body = ''
      for await (const chunk of request) body += chunk
      posts.push(JSON.parse(body))
      response.end('ok')
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      const webhook = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`
      // A gas cap no full update fits: nothing changed, so nothing can refresh the never-updated quorums.
      const sync = newSync({ maxStalenessMs: 3_600_000, alertWebhookUrl: webhook, maxGasPerTx: 50_000n })
      const first = await sync.runRound()
      expect(first.staleness.map((s) => [s.quorumNumber, s.stale, s.ageMs])).toEqual([
        [0, true, undefined],
        [1, true, undefined],
      ])
      expect(formatSyncReport(first)).toContain('quorum 0: STALE: never updated in full')
      expect(posts.map((p) => [p.event, p.quorumNumber])).toEqual([
        ['quorum.stale', 0],
        ['quorum.stale', 1],
      ])
      await sync.runRound()
      expect(posts).toHaveLength(2)

      // Someone updates quorum 0 in full: the next round sees it current and says so once.
      const sender = createTransactionSender({ client, account: privateKeyToAccount(anvilAccounts[8]), logger })
      const quorum0 = [operator(0), operator(1), operator(2)].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1))
      await sender.send({
        address: network.contracts.registryCoordinator,
        abi: registryCoordinatorAbi,
        functionName: 'updateOperatorsForQuorum',
        args: [[quorum0], '0x00'],
      })
      const third = await sync.runRound()
      expect(third.staleness.map((s) => s.stale)).toEqual([false, true])
      expect(posts.map((p) => [p.event, p.quorumNumber])).toEqual([
        ['quorum.stale', 0],
        ['quorum.stale', 1],
        ['quorum.recovered', 0],
      ])
      expect(posts[0]).toMatchObject({
        chainId: client.chain.id,
        registryCoordinator: network.contracts.registryCoordinator,
        lastFullUpdateBlock: '0',
        stalenessSeconds: null,
        maxStalenessSeconds: 3600,
      })
      const metricsText = await metrics.registry.metrics()
      expect(metricsText).toContain('avssync_stale_quorums 1')
      expect(metricsText).toContain('avssync_quorum_staleness_seconds{quorum="1"} -1')
    } finally {
      server.close()
    }
  })

  test('--max-staleness refreshes an unchanged quorum before it turns stale', async () => {
    const report = await newSync({ maxStalenessMs: 3_600_000, syncIntervalMs: 60_000 }).runRound()
    expect(report.quorums.map((q) => q.reason.kind)).toEqual(['stale', 'stale'])
    expect(report.updates.map((u) => u.outcome)).toEqual(['sent', 'sent'])
    expect(report.staleness.map((s) => s.stale)).toEqual([false, false])
    expect(await quorumUpdateBlock(1)).toBe(report.updates[1]?.blockNumber)
  })

  test('a replica without the submitter lock stands by and sends nothing', async () => {
    await setShares(1, ether(7000))
    const report = await newSync({ lock: { hold: async () => false, release: async () => {} } }).runRound()
    expect(report.outcome).toBe('standby')
    expect(report.updates).toEqual([])
    expect(formatSyncReport(report)).toEqual([
      'no transaction sent: another replica holds the stake-sync lock and submits the updates',
    ])
    expect(await recordedStake(1, 0)).toBe(ether(1100))
  })

  test('an unreachable node fails the round after its retries, with the reason', async () => {
    const dead = createPublicClient({ chain: client.chain, transport: http('http://127.0.0.1:9/', { retryCount: 0 }) })
    const report = await newSync({ client: dead as ChainClient, attempts: 2 }).runRound()
    expect(report.outcome).toBe('failed')
    expect(report.error).toBeInstanceOf(ChainUnreachableError)
    expect(formatSyncReport(report)).toEqual(['round failed: Cannot reach the Ethereum node.'])
    expect(await metrics.registry.metrics()).toContain('avssync_retries_total{quorum="",failure="read"} 1')
  })
})
