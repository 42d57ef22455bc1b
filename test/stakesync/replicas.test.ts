/**
 * Two `avskit sync` processes for one AVS, as two replicas of a deployment run: against one PostgreSQL when
 * DATABASE_URL is set (the advisory lock decides), otherwise on one embedded data folder (its lock file decides).
 * Every stake change must reach the chain in exactly one transaction, whichever replica sends it, and when the
 * submitter dies the other takes over.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type Address, decodeFunctionData, type Hex, parseEther } from 'viem'
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest'
import { registryCoordinatorAbi } from '../../src/chain/abi/index.js'
import { type ChainClient, createChainClient } from '../../src/chain/clients.js'
import { createNetwork, type Network } from '../aggregation/network.js'
import { anvilAccounts, useAnvil } from '../anvil.js'
import { delegateStake } from '../contracts/contractsFixture.js'
import { createTestPostgresDatabase, testDatabaseKind } from '../database.js'

const main = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url))
const ether = (n: number) => parseEther(String(n))

describe(`two avskit sync replicas (${testDatabaseKind})`, () => {
  const chain = useAnvil()
  const dir = mkdtempSync(join(tmpdir(), 'avskit-sync-replicas-'))
  let network: Network
  let client: ChainClient
  const children: ChildProcess[] = []

  beforeAll(async () => {
    network = await createNetwork(chain.rpcUrl, 2, [
      { quorums: [0, 1], shares: ether(1000) },
      { quorums: [0], shares: ether(1100) },
      { quorums: [1], shares: ether(1200) },
      { quorums: [0], shares: ether(1300) },
    ])
    client = await createChainClient({ url: chain.rpcUrl })
  })
  afterAll(() => {
    for (const child of children) child.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  })

  /** Where both replicas keep their lock: a fresh Postgres database, or one shared embedded data folder. */
  async function store(name: string): Promise<string[]> {
    if (testDatabaseKind === 'postgres') {
      return ['--database-url', await createTestPostgresDatabase({ template: templateName() })]
    }
    return ['--data-dir', join(dir, name)]
  }

  function spawnSync(storeFlags: string[], key: Hex, interval: string) {
    const child = spawn(
      process.execPath,
      [
        main,
        'sync',
        '--eth-http-url',
        chain.rpcUrl,
        '--registry-coordinator-addr',
        network.contracts.registryCoordinator,
        '--operator-state-retriever-addr',
        network.contracts.operatorStateRetriever,
        '--ecdsa-private-key',
        key,
        '--sync-interval',
        interval,
        '--metrics-addr',
        '127.0.0.1:0',
        '--log.format',
        'json',
        ...storeFlags,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    )
    children.push(child)
    let stdout = ''
    let stderr = ''
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString()
    })
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString()
    })
    return {
      child,
      stdout: () => stdout,
      stderr: () => stderr,
      exited: new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code))),
    }
  }

  /** Every stake update mined in blocks (from, to], with its sender. */
  async function updatesMined(from: bigint, to: bigint) {
    const updates: { functionName: string; from: Address; quorum?: number }[] = []
    for (let n = from + 1n; n <= to; n++) {
      const block = await client.getBlock({ blockNumber: n, includeTransactions: true })
      for (const tx of block.transactions) {
        if (tx.to?.toLowerCase() !== network.contracts.registryCoordinator.toLowerCase()) continue
        const call = decodeFunctionData({ abi: registryCoordinatorAbi, data: tx.input })
        if (call.functionName !== 'updateOperatorsForQuorum' && call.functionName !== 'updateOperators') continue
        const quorum =
          call.functionName === 'updateOperatorsForQuorum'
            ? Number.parseInt((call.args[1] as Hex).slice(2), 16)
            : undefined
        updates.push({ functionName: call.functionName, from: tx.from, ...(quorum === undefined ? {} : { quorum }) })
      }
    }
    return updates
  }

  const operator = (i: number) => network.operators[i]!.account.address

  test('started at the same time, they submit each quorum update once', { timeout: 120_000 }, async () => {
    const flags = await store('once')
    await delegateStake(network, operator(1), [ether(5000)])
    await delegateStake(network, operator(2), [ether(6000)])
    const before = await client.getBlockNumber()
    const replicas = [spawnSync(flags, anvilAccounts[5], '0'), spawnSync(flags, anvilAccounts[6], '0')]
    const codes = await Promise.all(replicas.map((r) => r.exited))
    expect(codes, replicas.map((r) => r.stderr()).join('\n')).toEqual([0, 0])
    const updates = await updatesMined(before, await client.getBlockNumber())
    expect(updates.map((u) => u.quorum).sort()).toEqual([0, 1])
    // Whichever replica sent them, the other said why it sent nothing.
    const idle = replicas.filter((r) => !/sent updateOperatorsForQuorum/.test(r.stdout()))
    expect(idle).toHaveLength(1)
    expect(idle[0]?.stdout()).toMatch(
      /another replica holds the stake-sync lock|quorum 0: no transaction: the recorded stakes of all 3 operators equal/,
    )
  })

  test('running as services, one submits and the other stands by; when the submitter dies the other takes over', {
    timeout: 120_000,
  }, async () => {
    const flags = await store('service')
    const first = spawnSync(flags, anvilAccounts[5], '1s')
    await waitFor(() => first.stdout(), /quorum 1: no transaction/)
    const second = spawnSync(flags, anvilAccounts[6], '1s')
    await waitFor(() => second.stdout(), /another replica holds the stake-sync lock/)

    const before = await client.getBlockNumber()
    await delegateStake(network, operator(3), [ether(7000)])
    await waitFor(() => first.stdout(), /quorum 0: sent updateOperatorsForQuorum/)
    // Two more rounds of both: still the one transaction, from the first replica.
    await new Promise((resolve) => setTimeout(resolve, 2_500))
    const afterFirst = await client.getBlockNumber()
    const firstUpdates = await updatesMined(before, afterFirst)
    expect(firstUpdates).toEqual([{ functionName: 'updateOperatorsForQuorum', from: expect.any(String), quorum: 0 }])
    expect(firstUpdates[0]?.from.toLowerCase()).toBe(sender(5))
    expect(second.stdout()).not.toMatch(/sent update/)

    first.child.kill('SIGKILL')
    await first.exited
    await delegateStake(network, operator(2), [ether(900)])
    await waitFor(() => second.stdout(), /quorum 1: sent updateOperatorsForQuorum/, 30_000)
    const secondUpdates = await updatesMined(afterFirst, await client.getBlockNumber())
    expect(secondUpdates.map((u) => [u.quorum, u.from.toLowerCase()])).toEqual([[1, sender(6)]])
    second.child.kill('SIGTERM')
    expect(await second.exited).toBe(0)
  })
})

function templateName(): string {
  const template = inject('avskitTestDatabase')
  if (template.kind !== 'postgres') throw new Error('no Postgres template')
  return template.templateName
}

function sender(anvilIndex: number): string {
  const addresses: Record<number, string> = {
    5: '0x9965507d1a55bcc2695c58ba16fb37d819b0a4dc',
    6: '0x976ea74026e726554db657fa54763abd0c3a0aa9',
  }
  return addresses[anvilIndex] as string
}

async function waitFor(read: () => string, pattern: RegExp, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!pattern.test(read())) {
    if (Date.now() > deadline) throw new Error(`no ${pattern} in:\n${read()}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}
