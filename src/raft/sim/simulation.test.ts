/**
 * The Raft safety properties (paper Figure 3: Election Safety, Log Matching, Leader Completeness, State Machine
 * Safety) and "no acknowledged entry lost", checked after every event of seeded simulations with message delay,
 * loss, duplication and reordering, partitions, crashes that keep only what was written, membership changes
 * (section 6), snapshots and compaction (section 7), and leadership transfers.
 *
 *   RAFT_SEEDS=20000 npx vitest run src/raft/sim/simulation.test.ts         more seeds (default 2,000)
 *   RAFT_SEED=1234 RAFT_TRACE=1 npx vitest run src/raft/sim/simulation.test.ts    replay one seed with its trace
 */
import { describe, expect, test } from 'vitest'
import { runSimulation, type SimulationResult, type SimulationStats } from './simulation.js'

const replaySeed = process.env.RAFT_SEED === undefined ? undefined : Number(process.env.RAFT_SEED)
const seedCount = Number(process.env.RAFT_SEEDS ?? 2_000)
const seeds = replaySeed === undefined ? Array.from({ length: seedCount }, (_, i) => i + 1) : [replaySeed]
const replayCommand = (seed: number) => `RAFT_SEED=${seed} RAFT_TRACE=1 npx vitest run src/raft/sim/simulation.test.ts`

function runAll(unsafeSkipVoteLogCheck: boolean, list: number[]) {
  const totals: Partial<SimulationStats> = {}
  const failures: SimulationResult[] = []
  for (const seed of list) {
    const trace = replaySeed !== undefined && process.env.RAFT_TRACE ? (line: string) => console.log(line) : undefined
    const result = runSimulation({ seed, unsafeSkipVoteLogCheck, trace })
    if (result.violation) failures.push(result)
    for (const [key, value] of Object.entries(result.stats) as [keyof SimulationStats, number][]) {
      totals[key] = (totals[key] ?? 0) + value
    }
  }
  return { totals: totals as SimulationStats, failures }
}

describe('Figure 3 properties under faults (sections 5.2-5.4, 6, 7)', () => {
  test(
    `hold after every event of ${seeds.length} seeded simulations`,
    () => {
      const started = performance.now()
      const { totals, failures } = runAll(false, seeds)
      const first = failures[0]
      if (first) {
        expect.fail(
          `${failures.length} of ${seeds.length} seeds failed; first: seed ${first.seed}: ${first.violation}\n` +
            `replay: ${replayCommand(first.seed)}`,
        )
      }
      console.log(
        `raft simulation: ${seeds.length} seeds in ${Math.round(performance.now() - started)} ms; ` +
          `${totals.events} events, ${totals.checks} checks, ${totals.acked} acknowledged entries, ` +
          `${totals.elections} elections, ${totals.crashes} crashes, ${totals.partitions} partitions, ` +
          `${totals.confChanges} conf changes applied, ${totals.snapshotsInstalled} snapshots installed, ` +
          `${totals.transfers} leadership transfers`,
      )
      if (replaySeed === undefined) {
        // The faults must actually happen, or passing proves little.
        expect(totals.acked).toBeGreaterThan(seeds.length * 20)
        expect(totals.elections).toBeGreaterThan(seeds.length * 2)
        expect(totals.confChanges).toBeGreaterThan(seeds.length / 2)
        expect(totals.snapshotsInstalled).toBeGreaterThan(seeds.length / 10)
        expect(totals.transfers).toBeGreaterThan(seeds.length)
      }
    },
    Math.max(60_000, seeds.length * 30),
  )

  test('5.4.1 Election restriction: with the up-to-date check disabled, the simulator finds a violation', () => {
    const { failures } = runAll(
      true,
      Array.from({ length: 200 }, (_, i) => i + 1),
    )
    const first = failures[0]
    expect(first, 'no seed caught the broken election restriction').toBeDefined()
    console.log(
      `broken election restriction caught by ${failures.length} of 200 seeds; first: seed ${first?.seed}: ${first?.violation}`,
    )
    expect(failures.every((f) => f.violation?.startsWith('SafetyViolation'))).toBe(true)
  })
})
