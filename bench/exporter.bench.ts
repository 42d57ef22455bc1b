/**
 * Exporter backfill: 100,000 registry events (100 OperatorAdded, 99,900 ValidatorAdded over ~200 blocks) indexed
 * from anvil by the exporter's writer, against raw `eth_getLogs` + `JSON.parse` over the same blocks, in the same
 * run.
 *
 *     node --import tsx bench/exporter.bench.ts                             # PGlite on disk (as `avskit exporter`)
 *     DATABASE_URL=postgres://… node --import tsx bench/exporter.bench.ts   # PostgreSQL (a fresh database a round)
 *
 * The chain comes from `test/exporter/registryChain.ts` (built once, then loaded from an anvil state file). Rounds
 * alternate (`EXPORTER_BENCH_ROUNDS`, default 5, after one warm-up round of each kind):
 *
 * - raw, one request: `fetch` of one `eth_getLogs` over every block of the registry, `response.text()`,
 *   `JSON.parse`: the baseline.
 * - raw, 5-block requests: the same logs in requests of 5 blocks (≈ 5,000 logs, the exporter's target per answer)
 *   one after the other: a stricter baseline, since anvil answers smaller requests faster per log.
 * - avskit: `startExporterWriter` (writer lock, fencing token, log sync, decoding, the exporter's tables and stream
 *   outbox) on an empty database, timed from the start to its log sync reporting the head reached. Opening the
 *   database (and migrating it) is outside the clock; every round checks the row counts and the stream head.
 *
 * Rates are events per second; ratios are medians of avskit over medians of a baseline.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os'
import { join } from 'node:path'
import { createChainClient } from '../src/chain/clients.js'
import { createLogger } from '../src/core/logger.js'
import { createMetrics } from '../src/core/metrics.js'
import { startExporterWriter } from '../src/exporter/index.js'
import { type Database, openDatabase } from '../src/store/index.js'
import { startSeededRegistryChain } from '../test/exporter/registryChain.js'
import { openFreshPostgresDatabase } from './freshPostgresDatabase.js'
import { runOnce } from './runOnce.js'

const OPERATORS = 100
const VALIDATORS = 99_900
const EVENTS = OPERATORS + VALIDATORS
const ROUNDS = Number(process.env.EXPORTER_BENCH_ROUNDS ?? 5)
const RAW_STEP = 5n

type Kind = 'raw' | 'rawSteps' | 'avskit'
type Round = { ms: number; cpuMs: number; requests?: number }

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}

/** A fresh, migrated database for one round, and how to throw it away. */
async function openRoundDatabase(): Promise<{ database: Database; drop(): Promise<void> }> {
  const url = process.env.DATABASE_URL
  if (!url) {
    const folder = mkdtempSync(join(tmpdir(), 'avskit-exporter-bench-'))
    return {
      database: await openDatabase({ dataDir: folder }),
      drop: async () => rmSync(folder, { recursive: true, force: true }),
    }
  }
  return openFreshPostgresDatabase(url)
}

async function getLogsRaw(rpcUrl: string, filter: Record<string, unknown>): Promise<number> {
  const response = await fetch(rpcUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_getLogs', params: [filter] }),
  })
  const answer = JSON.parse(await response.text()) as { result: unknown[] }
  return answer.result.length
}

export async function main() {
  const loadBefore = loadavg()
  const chain = await startSeededRegistryChain({ operators: OPERATORS, validators: VALIDATORS })
  const logger = createLogger({ level: 'warn' })
  const client = await createChainClient({ url: chain.rpcUrl })
  const head = await chain.client.getBlockNumber()
  const from = chain.deploymentBlock
  const hex = (n: bigint) => `0x${n.toString(16)}`
  const label = process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite on disk'
  const timed = async (work: () => Promise<number | undefined>): Promise<Round> => {
    const cpu = process.cpuUsage()
    const started = performance.now()
    const requests = await work()
    const ms = performance.now() - started
    const used = process.cpuUsage(cpu)
    return { ms, cpuMs: (used.user + used.system) / 1000, ...(requests === undefined ? {} : { requests }) }
  }

  const run: Record<Kind, () => Promise<Round>> = {
    raw: () =>
      timed(async () => {
        const count = await getLogsRaw(chain.rpcUrl, {
          fromBlock: hex(from),
          toBlock: hex(head),
          address: chain.registry,
        })
        if (count !== EVENTS) throw new Error(`raw eth_getLogs returned ${count} logs`)
        return 1
      }),
    rawSteps: () =>
      timed(async () => {
        let count = 0
        let requests = 0
        for (let start = from; start <= head; start += RAW_STEP) {
          const end = start + RAW_STEP - 1n < head ? start + RAW_STEP - 1n : head
          count += await getLogsRaw(chain.rpcUrl, { fromBlock: hex(start), toBlock: hex(end), address: chain.registry })
          requests++
        }
        if (count !== EVENTS) throw new Error(`raw eth_getLogs in steps returned ${count} logs`)
        return requests
      }),
    avskit: async () => {
      const { database, drop } = await openRoundDatabase()
      const metrics = createMetrics({ defaultMetrics: false })
      const controller = new AbortController()
      try {
        const round = await timed(async () => {
          const writer = startExporterWriter({
            database,
            client,
            rpcUrl: chain.rpcUrl,
            contracts: { registry: chain.registry },
            fromBlock: from,
            confirmations: 0,
            pollingIntervalMs: 1000,
            logger,
            metrics,
            signal: controller.signal,
          })
          while (!writer.syncStatus?.caughtUp) await new Promise((resolve) => setTimeout(resolve, 2))
          return undefined
        })
        controller.abort()
        const counts = await database.query<{ operators: number; validators: number; head: string }>(
          `select (select count(*) from exporter_operators)::int as operators,
             (select count(*) from exporter_validators)::int as validators,
             (select max(seq + count - 1) from exporter_stream)::text as head`,
        )
        const row = counts.rows[0]
        if (row?.operators !== OPERATORS || row.validators !== VALIDATORS || row.head !== String(EVENTS)) {
          throw new Error(`indexed ${JSON.stringify(row)}`)
        }
        const ranges = (await metrics.logSync.rangeBlocks.get()).values.find((v) => v.metricName?.endsWith('_count'))
        return { ...round, requests: ranges?.value ?? 0 }
      } finally {
        controller.abort()
        await database.close()
        await drop()
      }
    },
  }

  const rounds: Record<Kind, Round[]> = { raw: [], rawSteps: [], avskit: [] }
  try {
    // Warm-up: one of each (JIT, anvil's caches, the database files), not counted.
    for (const kind of ['raw', 'rawSteps', 'avskit'] as const) await run[kind]()
    for (let r = 0; r < ROUNDS; r++) {
      for (const kind of ['raw', 'avskit', 'rawSteps'] as const) rounds[kind].push(await run[kind]())
    }
  } finally {
    await chain.stop()
  }
  return { label, head, from, rounds, loadBefore, loadAfter: loadavg() }
}

function report(figures: Awaited<ReturnType<typeof main>>): string {
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US')
  const rate = (kind: Kind) => (EVENTS / median(figures.rounds[kind].map((r) => r.ms))) * 1000
  const line = (name: string, kind: Kind) => {
    const rounds = figures.rounds[kind]
    return `  ${name}: median ${fmt(rate(kind))} events/s, ${fmt(median(rounds.map((r) => r.ms)))} ms (rounds: ${rounds
      .map((r) => fmt(r.ms))
      .join(', ')} ms); this process's CPU ${fmt(median(rounds.map((r) => r.cpuMs)))} ms; eth_getLogs requests ${median(
      rounds.map((r) => r.requests ?? 0),
    )}`
  }
  const load = (l: number[]) => l.map((n) => n.toFixed(2)).join(' ')
  const cpu = cpus()[0]?.model ?? 'unknown CPU'
  return [
    `exporter backfill, ${fmt(EVENTS)} registry events in blocks ${figures.from}–${figures.head}, ${figures.label}, ${availableParallelism()} cores (${cpu}), ${Math.round(totalmem() / 2 ** 30)} GB, Node ${process.version}`,
    line('raw eth_getLogs + JSON.parse, one request', 'raw'),
    line(`raw eth_getLogs + JSON.parse, ${RAW_STEP}-block requests`, 'rawSteps'),
    line('avskit exporter writer, empty database  ', 'avskit'),
    `  ratio avskit / raw: ${(rate('avskit') / rate('raw')).toFixed(2)} (one request), ${(rate('avskit') / rate('rawSteps')).toFixed(2)} (${RAW_STEP}-block requests)`,
    `  load average before ${load(figures.loadBefore)}, after ${load(figures.loadAfter)}`,
  ].join('\n')
}

await runOnce('exporter backfill of 100,000 registry events vs raw eth_getLogs + JSON.parse (one full run)', async () =>
  report(await main()),
)
