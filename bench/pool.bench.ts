/**
 * Operator pool throughput: 10,000 distinct registered operators checking in from a second process, against a no-op
 * Ping handler on the same server stack (core/grpcServer, grpc-js) in the same run, and `GET /operator` latency with
 * 10,000 operators in the pool.
 *
 *     node --import tsx bench/pool.bench.ts                         # PGlite on disk (the embedded default)
 *     DATABASE_URL=postgres://… node --import tsx bench/pool.bench.ts   # PostgreSQL (a fresh database is created)
 *
 * Set-up (untimed): a devnet chain with the avskit contracts; 10,000 operator keys derived from a fixed seed, each
 * made a registered operator of the RegistryCoordinator by writing its `_operatorInfo` entry (operator id,
 * REGISTERED) with `anvil_setStorageAt` — the pool reads exactly `getOperatorStatus` and `getOperatorId`, and
 * registering 10,000 operators with BLS keys and stake would measure anvil, not the pool. The aggregator is the one
 * `avskit aggregator` runs (startAggregator + startPoolService, authentication required, default liveness rules).
 *
 * Measured: the client process (bench/poolBenchClient.ts) signs each burst's tokens, then sends the burst over one
 * HTTP/2 connection with 64 calls in flight and times first call to last answer. A warm-up pass checks every
 * operator in once (cold: registration lookups on chain, public key recovery, first inserts). Then bursts of 5,000
 * alternate between the no-op server and the pool; the figures are medians. Every pool check-in is verified,
 * looked up, and stored before it is answered. `GET /operator` is timed with the pool quiet and during a pool burst.
 * Last, every operator checks in once at 2,000/s whatever the answers (open loop, as operators on 5 s timers): the
 * aggregator's CPU per check-in, its main thread's utilisation and the check-in latency at the rate the goal names.
 * Under `vitest bench` the whole run is one benchmark entry.
 */
import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { keccak_256 } from '@noble/hashes/sha3.js'
import pg from 'pg'
import * as secp256k1 from 'tiny-secp256k1'
import { type Address, encodeAbiParameters, getAddress, type Hex, keccak256, numberToHex, pad, toHex } from 'viem'
import { startAggregator } from '../src/aggregator/index.js'
import { createGrpcServer, unary } from '../src/core/grpcServer.js'
import { createLogger } from '../src/core/logger.js'
import { createMetrics } from '../src/core/metrics.js'
import { startDevnet } from '../src/devnet/startDevnet.js'
import { NodeService } from '../src/gen/checkin.js'
import { loadEcdsaBackend, startPoolService } from '../src/pool/index.js'
import { type Database, openDatabase } from '../src/store/index.js'
import { forkBenchClient } from './benchClientProcess.js'
import type { BurstResult, ClientRequest, GetsResult, PacedResult } from './poolBenchClient.js'
import { runOnce } from './runOnce.js'

const OPERATORS = 10_000
const BURST = 5_000
const ROUNDS = Number(process.env.POOL_BENCH_ROUNDS ?? 6)
const CONCURRENCY = 64
const GETS = Number(process.env.POOL_BENCH_GETS ?? 200)
/** What 10,000 operators pinging every 5 s send. */
const GOAL_RATE = 2_000

const logger = createLogger({ level: 'silent' })

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number
}

/** Deterministic operator keys: keccak256("avskit pool bench" ‖ i), skipping the (astronomically rare) invalid ones. */
function operatorKeys(count: number): { keys: Hex[]; addresses: Address[] } {
  const keys: Hex[] = []
  const addresses: Address[] = []
  for (let i = 0; keys.length < count; i++) {
    const key = keccak_256(new TextEncoder().encode(`avskit pool bench ${i}`))
    if (!secp256k1.isPrivate(key)) continue
    const publicKey = secp256k1.pointFromScalar(key, false) as Uint8Array
    keys.push(toHex(key))
    addresses.push(getAddress(toHex(keccak_256(publicKey.subarray(1)).subarray(12))))
  }
  return { keys, addresses }
}

async function rpcBatch(url: string, calls: { method: string; params: unknown[] }[]): Promise<void> {
  for (let start = 0; start < calls.length; start += 1_000) {
    const body = calls.slice(start, start + 1_000).map((call, i) => ({ jsonrpc: '2.0', id: start + i, ...call }))
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
    const answers = (await response.json()) as { error?: { message: string } }[]
    const failed = answers.find((a) => a.error)
    if (failed) throw new Error(`anvil refused ${failed.error?.message}`)
  }
}

/** The storage slot of `RegistryCoordinator._operatorInfo`, found from a registered operator's entry. */
async function operatorInfoSlot(
  rpcUrl: string,
  read: (slot: Hex) => Promise<Hex | undefined>,
  operator: Address,
  operatorId: Hex,
): Promise<bigint> {
  for (let slot = 0n; slot < 64n; slot++) {
    const key = keccak256(encodeAbiParameters([{ type: 'address' }, { type: 'uint256' }], [operator, slot]))
    if ((await read(key)) === operatorId) return slot
  }
  throw new Error(`no _operatorInfo slot found at ${rpcUrl}`)
}

async function openBenchDatabase(
  folder: string,
): Promise<{ database: Database; label: string; drop(): Promise<void> }> {
  const url = process.env.DATABASE_URL
  if (!url) {
    return { database: await openDatabase({ dataDir: folder }), label: 'PGlite on disk', drop: async () => {} }
  }
  const name = `avskit_bench_${Date.now()}`
  const admin = new pg.Client({ connectionString: url })
  await admin.connect()
  await admin.query(`create database "${name}"`)
  await admin.end()
  const target = new URL(url)
  target.pathname = `/${name}`
  return {
    database: await openDatabase({ url: target.toString() }),
    label: 'PostgreSQL',
    async drop() {
      const again = new pg.Client({ connectionString: url })
      await again.connect()
      await again.query(`drop database if exists "${name}" with (force)`)
      await again.end()
    },
  }
}

type Figures = {
  database: string
  warmupRate: number
  noopRates: number[]
  poolRates: number[]
  noopServerCpuUs: number
  poolServerCpuUs: number
  noopMainThreadUs: number
  poolMainThreadUs: number
  clientCpuUs: number
  errors: Record<string, number>
  getIdle: { p50: number; p99: number; bytes: number }
  getLoaded: { p50: number; p99: number }
  paced: { rate: number; serverCpuUs: number; mainThreadBusy: number; p50: number; p99: number; writeBatch: number }
  setupMs: number
  /** Mean check-ins per database write during the timed pool bursts. */
  burstWriteBatch: number
  signatureBackend: string
}

export async function main(): Promise<Figures> {
  const setupStarted = performance.now()
  const dataDir = mkdtempSync(join(tmpdir(), 'avskit-pool-bench-'))
  const devnet = await startDevnet({ dataDir, operators: 1, quorums: 1, port: 0, blockTime: 0, logger, pool: false })
  // Ctrl-C during a run still stops anvil and removes the data folder.
  const interrupted = () => {
    void devnet.stop().finally(() => {
      rmSync(dataDir, { recursive: true, force: true })
      process.exit(130)
    })
  }
  process.once('SIGINT', interrupted)
  process.once('SIGTERM', interrupted)
  const { database, label, drop } = await openBenchDatabase(join(dataDir, 'aggregator'))
  let child: ChildProcess | undefined
  try {
    const rpcUrl = devnet.anvil.rpcUrl
    const registryCoordinator = devnet.summary.contracts.registryCoordinator as Address
    const registered = devnet.summary.operators[0]
    if (!registered) throw new Error('the devnet registered no operator')
    const read = (slot: Hex) => devnet.client.getStorageAt({ address: registryCoordinator, slot })
    const slot = await operatorInfoSlot(rpcUrl, read, registered.address, registered.operatorId)
    const { keys, addresses } = operatorKeys(OPERATORS)
    await rpcBatch(
      rpcUrl,
      addresses.flatMap((address, i) => {
        const base = BigInt(keccak256(encodeAbiParameters([{ type: 'address' }, { type: 'uint256' }], [address, slot])))
        const operatorId = keccak256(toHex(`bench operator ${i}`))
        return [
          { method: 'anvil_setStorageAt', params: [registryCoordinator, numberToHex(base, { size: 32 }), operatorId] },
          {
            method: 'anvil_setStorageAt',
            params: [registryCoordinator, numberToHex(base + 1n, { size: 32 }), pad('0x01', { size: 32 })],
          },
        ]
      }),
    )

    const metrics = createMetrics({ defaultMetrics: false })
    const aggregator = await startAggregator({
      grpcAddress: '127.0.0.1:0',
      httpAddress: '127.0.0.1:0',
      database,
      client: devnet.client,
      logger,
      metrics,
      components: [
        (context) =>
          startPoolService({
            ...context,
            registryCoordinator,
            pingIntervalMs: 5_000,
            offlineAfterMs: 600_000,
          }),
      ],
    })
    const noop = createGrpcServer({ address: '127.0.0.1:0', logger })
    noop.addService(NodeService, { ping: unary(logger, () => ({ updatedAt: { seconds: 0n, nanos: 0 } })) })
    const noopAddress = await noop.listen()

    const client = forkBenchClient<ClientRequest>(new URL('./poolBenchClient.ts', import.meta.url))
    child = client.child
    const { ask } = client
    await ask({ type: 'init', keys, addresses, targets: { pool: aggregator.grpcAddress, noop: noopAddress } })
    const setupMs = performance.now() - setupStarted

    const errors: Record<string, number> = {}
    /** Sum and count of the write batch sizes so far. */
    const writeBatches = async () => {
      const values = (await metrics.pool.writeBatchSize.get()).values
      return {
        sum: values.find((v) => v.metricName?.endsWith('_sum'))?.value ?? 0,
        count: values.find((v) => v.metricName?.endsWith('_count'))?.value ?? 0,
      }
    }
    const burstBatches = { before: { sum: 0, count: 0 }, after: { sum: 0, count: 0 } }
    const run = async (target: 'pool' | 'noop', count: number, signAhead?: number) => {
      const cpu = process.cpuUsage()
      const loop = performance.eventLoopUtilization()
      const result = await ask<BurstResult>({ type: 'burst', target, count, concurrency: CONCURRENCY, signAhead })
      const used = process.cpuUsage(cpu)
      const busy = performance.eventLoopUtilization(loop)
      // The client signed the burst's tokens before its clock started; count only the time the burst ran.
      const mainThreadUs = (busy.active * 1000) / count
      for (const [code, n] of Object.entries(result.errors))
        errors[`${target} ${code}`] = (errors[`${target} ${code}`] ?? 0) + n
      return {
        rate: (result.ok / result.ms) * 1000,
        serverCpuUs: (used.user + used.system) / count,
        mainThreadUs,
        clientCpuUs: (result.cpuMs * 1000) / count,
      }
    }

    // Cold and slow: its tokens are signed 1,000 at a time as it goes (rate for information only).
    const warmup = await run('pool', OPERATORS, 1_000)
    await run('noop', BURST)
    const noopRates: number[] = []
    const poolRates: number[] = []
    const noopCpu: number[] = []
    const poolCpu: number[] = []
    const noopMain: number[] = []
    const poolMain: number[] = []
    const clientCpu: number[] = []
    burstBatches.before = await writeBatches()
    for (let round = 0; round < ROUNDS; round++) {
      const n = await run('noop', BURST)
      noopRates.push(n.rate)
      noopCpu.push(n.serverCpuUs)
      noopMain.push(n.mainThreadUs)
      const p = await run('pool', BURST)
      poolRates.push(p.rate)
      poolCpu.push(p.serverCpuUs)
      poolMain.push(p.mainThreadUs)
      clientCpu.push(p.clientCpuUs)
    }

    burstBatches.after = await writeBatches()

    const operatorUrl = `${aggregator.httpUrl}/operator`
    const listed = (await (await fetch(operatorUrl)).json()) as { data: unknown[] }
    if (listed.data.length !== OPERATORS) {
      throw new Error(
        `the pool lists ${listed.data.length} operators; refused or failed calls: ${JSON.stringify(errors)}`,
      )
    }
    const idleGets = await ask<GetsResult>({ type: 'gets', url: operatorUrl, count: GETS })
    const idle = idleGets.times
    const bytes = idleGets.bytes
    // The same client process sends a pool burst and the GETs at once.
    const loadedBurst = run('pool', BURST)
    const loaded = (await ask<GetsResult>({ type: 'gets', url: operatorUrl, count: 50 })).times
    await loadedBurst

    // Open loop at the goal rate, every operator once, as 10,000 operators on 5 s timers: what that costs.
    await ask({ type: 'sign', count: OPERATORS })
    const pacedBatches = await writeBatches()
    const pacedCpu = process.cpuUsage()
    const pacedLoop = performance.eventLoopUtilization()
    const pacedResult = await ask<PacedResult>({ type: 'paced', target: 'pool', rate: GOAL_RATE })
    const pacedUsed = process.cpuUsage(pacedCpu)
    const pacedBatchesAfter = await writeBatches()
    for (const [code, n] of Object.entries(pacedResult.errors)) errors[`paced ${code}`] = n
    const paced = {
      rate: (pacedResult.ok / pacedResult.ms) * 1000,
      serverCpuUs: (pacedUsed.user + pacedUsed.system) / OPERATORS,
      mainThreadBusy: performance.eventLoopUtilization(pacedLoop).utilization,
      p50: pacedResult.p50,
      p99: pacedResult.p99,
      writeBatch: (pacedBatchesAfter.sum - pacedBatches.sum) / (pacedBatchesAfter.count - pacedBatches.count),
    }

    child.disconnect()
    await noop.close()
    await aggregator.stop()
    return {
      database: label,
      warmupRate: warmup.rate,
      noopRates,
      poolRates,
      noopServerCpuUs: median(noopCpu),
      poolServerCpuUs: median(poolCpu),
      noopMainThreadUs: median(noopMain),
      poolMainThreadUs: median(poolMain),
      clientCpuUs: median(clientCpu),
      errors,
      getIdle: { p50: median(idle), p99: percentile(idle, 99), bytes },
      getLoaded: { p50: median(loaded), p99: percentile(loaded, 99) },
      paced,
      setupMs,
      burstWriteBatch:
        (burstBatches.after.sum - burstBatches.before.sum) / (burstBatches.after.count - burstBatches.before.count),
      signatureBackend: loadEcdsaBackend().name,
    }
  } finally {
    process.off('SIGINT', interrupted)
    process.off('SIGTERM', interrupted)
    if (child?.connected) child.disconnect()
    await database.close()
    await drop()
    await devnet.stop()
    rmSync(dataDir, { recursive: true, force: true })
  }
}

function report(figures: Figures): string {
  const noop = median(figures.noopRates)
  const pool = median(figures.poolRates)
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US')
  return [
    `operator pool, ${OPERATORS.toLocaleString('en-US')} operators, ${figures.database}, ${figures.signatureBackend} secp256k1, ${availableParallelism()} cores`,
    `  set-up (untimed): ${(figures.setupMs / 1000).toFixed(1)} s`,
    `  warm-up pass (cold: lookups on chain, key recovery, inserts): ${fmt(figures.warmupRate)} check-ins/s`,
    `  no-op Ping:     median ${fmt(noop)} calls/s       (bursts: ${figures.noopRates.map(fmt).join(', ')})`,
    `  pool Ping:      median ${fmt(pool)} check-ins/s   (bursts: ${figures.poolRates.map(fmt).join(', ')})`,
    `  ratio pool / no-op: ${(pool / noop).toFixed(2)}`,
    `  aggregator process CPU per call (all threads): no-op ${figures.noopServerCpuUs.toFixed(0)} µs, pool ${figures.poolServerCpuUs.toFixed(0)} µs`,
    `  aggregator main thread busy per call: no-op ${figures.noopMainThreadUs.toFixed(0)} µs, pool ${figures.poolMainThreadUs.toFixed(0)} µs; client CPU per pool call ${figures.clientCpuUs.toFixed(0)} µs`,
    `  mean check-ins per database write: ${figures.burstWriteBatch.toFixed(1)} in the pool bursts, ${figures.paced.writeBatch.toFixed(1)} paced`,
    `  refused or failed calls: ${Object.keys(figures.errors).length === 0 ? 'none' : JSON.stringify(figures.errors)}`,
    `  paced at ${fmt(GOAL_RATE)}/s (open loop): ${fmt(figures.paced.rate)} check-ins/s, aggregator CPU ${figures.paced.serverCpuUs.toFixed(0)} µs a check-in, main thread ${(figures.paced.mainThreadBusy * 100).toFixed(0)}% busy, latency p50 ${figures.paced.p50.toFixed(1)} ms, p99 ${figures.paced.p99.toFixed(1)} ms`,
    `  GET /operator (${(figures.getIdle.bytes / 1e6).toFixed(1)} MB): quiet p50 ${figures.getIdle.p50.toFixed(1)} ms, p99 ${figures.getIdle.p99.toFixed(1)} ms over ${GETS}; during a pool burst p50 ${figures.getLoaded.p50.toFixed(1)} ms, p99 ${figures.getLoaded.p99.toFixed(1)} ms over 50`,
  ].join('\n')
}

await runOnce(
  'operator pool: 10,000 operators from a second process vs no-op Ping, and GET /operator (one full run)',
  async () => report(await main()),
)
