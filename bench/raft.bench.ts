/**
 * Raft: avskit against etcd in the same run, each as three members on loopback, each member its own process
 * with its write-ahead log fsynced on its own data directory, both driven the same way over gRPC by this process
 * (bench/raft/workload.ts):
 * - throughput: bursts of 5,000 entries of 128 bytes, 64 in flight, proposed to the leader; committed entries/s
 *   and the latency of each proposal from submission to acknowledgement (committed and applied), p50 and p99;
 * - failover: 20 times, kill -9 the leader and time until a survivor acknowledges a proposal; the killed member is
 *   restarted and caught up before the next kill.
 * Both use the same timing: heartbeats every 50 ms and an election timeout of 300 ms (avskit: RaftNode's defaults,
 * 10 ms ticks, 5 heartbeat and 30 election ticks; etcd: `--heartbeat-interval 50 --election-timeout 300`; etcd's
 * own defaults are 100 and 1,000 ms). etcd is Debian's `etcd-server` (`apt-get install etcd-server`); without it
 * the etcd benchmarks fail with that instruction.
 *
 *     npx vitest bench --run bench/raft.bench.ts
 *
 * vitest's table times whole bursts and whole failovers; the summary printed at the end has the figures above
 * and the ratio avskit / etcd.
 */
import { afterAll, bench, describe } from 'vitest'
import { startAvskitCluster } from './raft/avskitCluster.js'
import { etcdAvailable, startEtcdCluster } from './raft/etcdCluster.js'
import { type BenchCluster, percentile, runFailover, runThroughput } from './raft/workload.js'

const burst = { count: 5_000, concurrency: 64, size: 128 }
const failovers = 20

type Results = { entriesPerSecond: number[]; latenciesMs: number[]; failoverMs: number[] }
const results = new Map<string, Results>()
const clusters = new Map<string, Promise<BenchCluster>>()

function startCluster(name: 'avskit' | 'etcd'): Promise<BenchCluster> {
  const existing = clusters.get(name)
  if (existing) return existing
  if (name === 'etcd' && !etcdAvailable()) {
    throw new Error('etcd is not installed: apt-get install etcd-server (the baseline of this benchmark)')
  }
  const started = (async () => {
    const cluster =
      name === 'avskit'
        ? await startAvskitCluster({ basePort: 24_000 })
        : await startEtcdCluster({ basePort: 24_200, heartbeatMs: 50, electionMs: 300 })
    // Warm up (JIT, connections, the first WAL segment) before anything is measured.
    await runThroughput(cluster, { ...burst, count: 2_000 })
    return cluster
  })()
  clusters.set(name, started)
  return started
}

function resultsOf(name: string): Results {
  let r = results.get(name)
  if (!r) {
    r = { entriesPerSecond: [], latenciesMs: [], failoverMs: [] }
    results.set(name, r)
  }
  return r
}

const setup = (name: 'avskit' | 'etcd') => async () => {
  await startCluster(name)
}

describe('raft throughput: bursts of 5,000 entries, 64 in flight, 3 members with fsync', () => {
  for (const name of ['avskit', 'etcd'] as const) {
    bench(
      name,
      async () => {
        const r = await runThroughput(await startCluster(name), burst)
        resultsOf(name).entriesPerSecond.push(r.entriesPerSecond)
        resultsOf(name).latenciesMs.push(...r.latenciesMs)
      },
      { iterations: 3, time: 0, warmupIterations: 0, warmupTime: 0, setup: setup(name) },
    )
  }
})

describe('raft failover: kill -9 of the leader until the next acknowledged proposal', () => {
  for (const name of ['avskit', 'etcd'] as const) {
    bench(
      name,
      async () => {
        resultsOf(name).failoverMs.push(await runFailover(await startCluster(name)))
      },
      { iterations: failovers, time: 0, warmupIterations: 0, warmupTime: 0, setup: setup(name) },
    )
  }
})

afterAll(async () => {
  for (const cluster of clusters.values()) await (await cluster).stop()
  const fmt = (n: number, digits = 0) => n.toFixed(digits)
  const lines = ['[raft] avskit vs etcd, 3 members on loopback, fsync on, heartbeat 50 ms, election timeout 300 ms']
  const summary = new Map<string, { eps: number; p50: number; p99: number; f50: number; f99: number }>()
  for (const [name, r] of results) {
    const eps = percentile(r.entriesPerSecond, 50)
    const row = {
      eps,
      p50: percentile(r.latenciesMs, 50),
      p99: percentile(r.latenciesMs, 99),
      f50: percentile(r.failoverMs, 50),
      f99: percentile(r.failoverMs, 99),
    }
    summary.set(name, row)
    lines.push(
      `  ${name.padEnd(7)} ${fmt(eps).padStart(6)} entries/s (median of ${r.entriesPerSecond.length} bursts)` +
        `  commit latency p50 ${fmt(row.p50, 1)} ms p99 ${fmt(row.p99, 1)} ms` +
        `  failover p50 ${fmt(row.f50)} ms p99 ${fmt(row.f99)} ms (${r.failoverMs.length} kills)`,
      `          failovers (ms, sorted): ${[...r.failoverMs]
        .sort((x, y) => x - y)
        .map((ms) => fmt(ms))
        .join(' ')}`,
    )
  }
  const a = summary.get('avskit')
  const e = summary.get('etcd')
  if (a && e) {
    lines.push(
      `  ratio avskit/etcd: throughput ${fmt(a.eps / e.eps, 2)} (goal >= 0.5), failover p99 ${fmt(a.f99 / e.f99, 2)}; ` +
        `avskit failover p99 ${fmt(a.f99)} ms (goal <= 1500)`,
    )
  }
  console.log(lines.join('\n'))
})
