/**
 * Stake sync cost: 200 operators in 2 quorums with 10 % of their stakes changed, brought up to date by avskit's
 * stake sync and by avs-sync's way (updateOperatorsForQuorum for every quorum, every round), on the same chain state
 * in the same run. A plain script:
 *
 *     node --import tsx bench/stakesync.bench.ts            # STAKESYNC_BENCH_SEED=<n> picks other operators
 *
 * Set-up (untimed): `avskit devnet`'s network on anvil (automine), 200 operators registered exactly as real ones
 * (operator 0 in both quorums, the others alternating: 101 and 100 per quorum), then the delegated shares of 20
 * operators drawn with a seeded generator set to a new amount, and an anvil snapshot of that state. Every run starts
 * from the snapshot (`evm_revert`) with a fresh sender, and is timed from the first read to the last receipt.
 *
 * Runs: avs-sync's way as its Go code does it (per quorum: OperatorStateRetriever.getOperatorState at the latest
 * block, sort, updateOperatorsForQuorum), avskit's default round (reads every operator's weight, sends only the
 * quorums that changed), avskit with --max-gas-per-tx below a full quorum update (changed operators only, through
 * updateOperators), and the round after (nothing changed any more). Under `vitest bench` the whole run is one entry.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Address, createTestClient, http, parseEther, type TransactionReceipt } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { registryCoordinatorAbi } from '../src/chain/abi/index.js'
import { delegationManagerAbi } from '../src/chain/artifacts/index.js'
import type { ChainClient } from '../src/chain/clients.js'
import { getOperatorState } from '../src/chain/getOperatorState.js'
import { getQuorumCount } from '../src/chain/getQuorumCount.js'
import { encodeQuorumNumbers } from '../src/chain/quorumNumbers.js'
import { createTransactionSender } from '../src/chain/transactionSender.js'
import { createLogger } from '../src/core/logger.js'
import { createMetrics } from '../src/core/metrics.js'
import { devnetOwnerKey, startDevnet } from '../src/devnet/startDevnet.js'
import { compareAddresses, createStakeSync } from '../src/stakesync/index.js'
import { runOnce } from './runOnce.js'

const OPERATORS = 200
const QUORUMS = 2
const CHANGED = OPERATORS / 10
const REPEATS = Number(process.env.STAKESYNC_BENCH_REPEATS ?? 5)
const SEED = Number(process.env.STAKESYNC_BENCH_SEED ?? 20_250_301)
/** anvil dev account 5: the sync sender (public test key, local chain only). */
const syncKey = '0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba' as const

const logger = createLogger({ level: 'silent' })

/** mulberry32: small, seeded, reproducible. */
function random(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

type RunFigures = { ms: number; gas: bigint; transactions: number }

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] as number
}

/** avs-sync `tryNTimesUpdateStakesOfEntireOperatorSetForQuorum`, once per quorum, as its Go code does it. */
async function avsSyncWay(client: ChainClient, contracts: Record<string, Address>): Promise<RunFigures> {
  const sender = createTransactionSender({ client, account: privateKeyToAccount(syncKey), logger })
  const started = performance.now()
  const receipts: TransactionReceipt[] = []
  const registryCoordinator = contracts.registryCoordinator as Address
  const count = await getQuorumCount({ client, registryCoordinator })
  for (let quorum = 0; quorum < count; quorum++) {
    const state = await getOperatorState({
      client,
      operatorStateRetriever: contracts.operatorStateRetriever as Address,
      registryCoordinator,
      quorumNumbers: [quorum],
    })
    const operators = (state.quorums[0]?.operators ?? []).map((o) => o.address).sort(compareAddresses)
    receipts.push(
      await sender.send({
        address: registryCoordinator,
        abi: registryCoordinatorAbi,
        functionName: 'updateOperatorsForQuorum',
        args: [[operators], encodeQuorumNumbers([quorum])],
      }),
    )
  }
  return {
    ms: performance.now() - started,
    gas: receipts.reduce((sum, r) => sum + r.gasUsed, 0n),
    transactions: receipts.length,
  }
}

async function avskitWay(
  client: ChainClient,
  contracts: Record<string, Address>,
  maxGasPerTx?: bigint,
): Promise<RunFigures & { outcome: string }> {
  const sync = createStakeSync({
    client,
    registryCoordinator: contracts.registryCoordinator as Address,
    operatorStateRetriever: contracts.operatorStateRetriever as Address,
    sender: createTransactionSender({ client, account: privateKeyToAccount(syncKey), logger }),
    maxGasPerTx,
    logger,
    metrics: createMetrics({ defaultMetrics: false }),
  })
  const started = performance.now()
  const report = await sync.runRound()
  const sent = report.updates.filter((u) => u.outcome === 'sent')
  return {
    ms: performance.now() - started,
    gas: sent.reduce((sum, u) => sum + (u.gasUsed ?? 0n), 0n),
    transactions: sent.length,
    outcome: report.outcome,
  }
}

type Figures = {
  setupMs: number
  changed: { index: number; quorums: number[]; from: bigint; to: bigint }[]
  perQuorum: number[]
  runs: Record<string, RunFigures[]>
  maxGasPerTx: bigint
}

async function main(): Promise<Figures> {
  const dataDir = mkdtempSync(join(tmpdir(), 'avskit-stakesync-bench-'))
  const setupStarted = performance.now()
  const devnet = await startDevnet({
    dataDir,
    operators: OPERATORS,
    quorums: QUORUMS,
    port: 0,
    blockTime: 0,
    logger,
    pool: false,
  })
  try {
    const { client } = devnet
    const contracts = devnet.summary.contracts
    const test = createTestClient({ mode: 'anvil', transport: http(devnet.summary.rpcUrl) })
    // 10 % of the operators get new shares (the same in both strategies): from a fifth to five times what they had.
    const next = random(SEED)
    const chosen = new Set<number>()
    while (chosen.size < CHANGED) chosen.add(Math.floor(next() * OPERATORS))
    const owner = createTransactionSender({ client, account: privateKeyToAccount(devnetOwnerKey), logger })
    const strategies = Object.keys(contracts)
      .filter((name) => /^strategy\d+$/.test(name))
      .map((name) => contracts[name] as Address)
    const changed: Figures['changed'] = []
    for (const index of [...chosen].sort((a, b) => a - b)) {
      const operator = devnet.summary.operators[index]
      if (!operator) throw new Error(`no operator ${index}`)
      const from = parseEther(String(1000 * (index + 1)))
      const to = (from * BigInt(Math.round((0.2 + next() * 4.8) * 100))) / 100n
      for (const strategy of strategies) {
        await owner.send({
          address: contracts.delegationManager as Address,
          abi: delegationManagerAbi,
          functionName: 'setOperatorShares',
          args: [operator.address, strategy, to],
        })
      }
      changed.push({ index, quorums: operator.quorums, from, to })
    }
    const perQuorum = Array.from(
      { length: QUORUMS },
      (_, q) => devnet.summary.operators.filter((o) => o.quorums.includes(q)).length,
    )
    const setupMs = performance.now() - setupStarted
    // The cap sits between one operator's update and a full quorum update (~3-5 M gas for 100 operators).
    const maxGasPerTx = 1_000_000n
    const runs: Record<string, RunFigures[]> = {
      'avs-sync way': [],
      'avskit default': [],
      'avskit --max-gas-per-tx 1000000': [],
      'avs-sync way, next round': [],
      'avskit, next round': [],
    }
    for (let repeat = 0; repeat < REPEATS; repeat++) {
      for (const [name, run] of [
        ['avs-sync way', () => avsSyncWay(client, contracts)],
        ['avskit default', () => avskitWay(client, contracts)],
        ['avskit --max-gas-per-tx 1000000', () => avskitWay(client, contracts, maxGasPerTx)],
      ] as const) {
        const snapshot = await test.snapshot()
        runs[name]?.push(await run())
        if (name === 'avs-sync way') runs['avs-sync way, next round']?.push(await avsSyncWay(client, contracts))
        if (name === 'avskit default') runs['avskit, next round']?.push(await avskitWay(client, contracts))
        await test.revert({ id: snapshot })
      }
    }
    return { setupMs, changed, perQuorum, runs, maxGasPerTx }
  } finally {
    await devnet.stop()
    rmSync(dataDir, { recursive: true, force: true })
  }
}

function report(figures: Figures): string {
  const rows = Object.entries(figures.runs).map(([name, list]) => {
    const first = list[0] as RunFigures
    return { name, ms: median(list.map((r) => r.ms)), gas: first.gas, transactions: first.transactions }
  })
  const by = (name: string) => rows.find((r) => r.name === name) as (typeof rows)[number]
  const baseline = by('avs-sync way')
  const ratio = (a: bigint, b: bigint) => (b === 0n ? '∞' : `${(Number(a) / Number(b)).toFixed(2)}×`)
  return [
    `stake sync, ${OPERATORS} operators in ${QUORUMS} quorums (${figures.perQuorum.join(' + ')}), ${CHANGED} stakes changed, seed ${SEED}, ${REPEATS} runs each (median time)`,
    `  set-up (untimed): ${(figures.setupMs / 1000).toFixed(1)} s; changed operators: ${figures.changed.map((c) => `#${c.index}(q${c.quorums.join(',')})`).join(' ')}`,
    '  run                                  transactions        gas   wall ms   gas: avs-sync way ÷ run',
    ...rows.map(
      (r) =>
        `  ${r.name.padEnd(36)} ${String(r.transactions).padStart(12)} ${String(r.gas).padStart(10)} ${r.ms.toFixed(0).padStart(9)}   ${ratio(
          r.name.includes('next round') ? by('avs-sync way, next round').gas : baseline.gas,
          r.gas,
        )}`,
    ),
    `  time, avs-sync way ÷ avskit default: ${(baseline.ms / by('avskit default').ms).toFixed(2)}×; next round: ${(by('avs-sync way, next round').ms / by('avskit, next round').ms).toFixed(2)}×`,
  ].join('\n')
}

await runOnce(
  'stake sync: 200 operators, 10 % changed, avskit against avs-sync’s every-quorum update (one full run)',
  async () => report(await main()),
)
