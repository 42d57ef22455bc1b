/**
 * The two workloads of bench/raft.bench.ts, run the same way against avskit and etcd:
 * - throughput: `count` entries of `size` bytes proposed to the leader with `concurrency` in flight; committed
 *   entries per second and each proposal's latency from submission to acknowledgement (committed and applied);
 * - failover: kill -9 the leader, then propose to the survivors every few milliseconds until one acknowledges:
 *   the time from the kill to that first acknowledgement. The killed member is restarted and caught up before the
 *   next kill.
 */

export type BenchCluster = {
  name: string
  members: string[]
  leader(): Promise<string | undefined>
  /** Proposes `size` bytes through `member`; true once committed, false when refused or failed. */
  propose(member: string, size: number): Promise<boolean>
  kill(member: string): Promise<void>
  restart(member: string): Promise<void>
  caughtUp(member: string): Promise<boolean>
  stop(): Promise<void>
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export async function waitForLeader(cluster: BenchCluster, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const leader = await cluster.leader()
    if (leader) return leader
    if (Date.now() > deadline) throw new Error(`${cluster.name}: no leader within ${timeoutMs} ms`)
    await sleep(20)
  }
}

export type ThroughputResult = { entriesPerSecond: number; latenciesMs: number[]; failures: number }

export async function runThroughput(
  cluster: BenchCluster,
  options: { count: number; concurrency: number; size: number },
): Promise<ThroughputResult> {
  let leader = await waitForLeader(cluster)
  const latenciesMs: number[] = []
  let issued = 0
  let failures = 0
  const started = performance.now()
  const worker = async () => {
    while (issued < options.count) {
      issued++
      const t0 = performance.now()
      if (await cluster.propose(leader, options.size)) {
        latenciesMs.push(performance.now() - t0)
      } else {
        failures++
        if (failures > options.count) throw new Error(`${cluster.name}: proposals keep failing`)
        leader = await waitForLeader(cluster)
      }
    }
  }
  await Promise.all(Array.from({ length: options.concurrency }, worker))
  const seconds = (performance.now() - started) / 1000
  return { entriesPerSecond: latenciesMs.length / seconds, latenciesMs, failures }
}

/**
 * One leader kill; returns milliseconds from the kill to the first acknowledged proposal. Probes go to every
 * survivor every 10 ms without waiting for earlier ones (etcd holds a proposal while it has no leader, avskit
 * refuses at once), and the first to be acknowledged ends the measurement.
 */
export async function runFailover(cluster: BenchCluster): Promise<number> {
  const leader = await waitForLeader(cluster)
  const survivors = cluster.members.filter((m) => m !== leader)
  const killedAt = performance.now()
  await cluster.kill(leader)
  let recoveredAt: number | undefined
  const probes: Promise<void>[] = []
  while (recoveredAt === undefined) {
    if (performance.now() - killedAt > 30_000) throw new Error(`${cluster.name}: no commit 30 s after the kill`)
    for (const member of survivors) {
      probes.push(
        cluster.propose(member, 16).then((ok) => {
          if (ok && recoveredAt === undefined) recoveredAt = performance.now()
        }),
      )
    }
    await sleep(10)
  }
  await Promise.all(probes)
  await cluster.restart(leader)
  const deadline = Date.now() + 60_000
  while (!(await cluster.caughtUp(leader))) {
    if (Date.now() > deadline) throw new Error(`${cluster.name}: ${leader} did not catch up after restart`)
    await sleep(50)
  }
  return (recoveredAt as number) - killedAt
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  if (sorted.length === 0) return Number.NaN
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[rank] as number
}
