/**
 * One task's aggregation state, kept in memory and rebuilt from the store after a restart: which operator
 * claimed which digest (a claim is pending while its signature is being verified), and per digest the verified
 * signers with their stake per quorum. Thresholds are stake-weighted per quorum, `signed·100 ≥ total·pct`, and
 * the first digest to reach every quorum's threshold wins.
 */
import type * as mcl from 'mcl-wasm'
import type { Hex } from 'viem'
import type { G1Point } from '../crypto/index.js'
import type { OperatorSetSnapshot, QuorumStake, TaskParameters } from './types.js'

export type Claim = { digest: Hex; signature: G1Point; settled: Promise<boolean> }

export type DigestTally = {
  digest: Hex
  hash: mcl.G1
  response: unknown
  /** Verified signatures by operator id, in acceptance order. */
  signatures: Map<Hex, { point: G1Point; mcl: mcl.G1 }>
  signedStake: Map<number, bigint>
}

export type TaskState = {
  params: Required<Pick<TaskParameters, 'taskIndex' | 'referenceBlock' | 'quorumNumbers'>> & {
    thresholds: ReadonlyMap<number, number>
    expiresAt: number | undefined
    expiryBlock: bigint | undefined
    collectionWindowMs: number
    metadata: unknown
  }
  snapshot: OperatorSetSnapshot
  status: 'pending' | 'certifying' | 'certified' | 'expired'
  claims: Map<Hex, Claim>
  tallies: Map<Hex, DigestTally>
  /** The digest that reached every threshold first. */
  winner: Hex | undefined
  timers: Set<NodeJS.Timeout>
}

export function thresholdsOf(params: TaskParameters): Map<number, number> {
  const { thresholdPercentages: t, quorumNumbers } = params
  return new Map(quorumNumbers.map((q, i) => [q, typeof t === 'number' ? t : (t[i] as number)]))
}

/** Adds a verified signature to its digest's tally. */
export function addSignature(
  state: TaskState,
  tally: DigestTally,
  operatorId: Hex,
  signature: { point: G1Point; mcl: mcl.G1 },
): void {
  if (tally.signatures.has(operatorId)) return
  tally.signatures.set(operatorId, signature)
  const operator = state.snapshot.operators.get(operatorId)
  for (const [quorum, stake] of operator?.stakes ?? []) {
    tally.signedStake.set(quorum, (tally.signedStake.get(quorum) ?? 0n) + stake)
  }
}

export function quorumStakes(state: TaskState, tally: DigestTally | undefined): QuorumStake[] {
  return state.params.quorumNumbers.map((quorumNumber) => ({
    quorumNumber,
    signedStake: tally?.signedStake.get(quorumNumber) ?? 0n,
    totalStake: state.snapshot.totalStakes.get(quorumNumber) ?? 0n,
    thresholdPercentage: state.params.thresholds.get(quorumNumber) ?? 100,
  }))
}

/** Whether every quorum's signed stake reaches its threshold (a quorum with no stake can never be met). */
export function meetsThresholds(stakes: readonly QuorumStake[]): boolean {
  return stakes.every((s) => s.totalStake > 0n && s.signedStake * 100n >= s.totalStake * BigInt(s.thresholdPercentage))
}

/** The digest with the most signed stake (summed over quorums), for an expiry report. */
export function leadingTally(state: TaskState): DigestTally | undefined {
  let best: DigestTally | undefined
  let bestStake = -1n
  for (const tally of state.tallies.values()) {
    const stake = [...tally.signedStake.values()].reduce((a, b) => a + b, 0n)
    if (stake > bestStake) [best, bestStake] = [tally, stake]
  }
  return best
}

export function describeShortfall(stakes: readonly QuorumStake[]): string {
  const short = stakes.filter(
    (s) => !(s.totalStake > 0n && s.signedStake * 100n >= s.totalStake * BigInt(s.thresholdPercentage)),
  )
  return short
    .map((s) => {
      const pct = s.totalStake === 0n ? 0 : Number((s.signedStake * 10_000n) / s.totalStake) / 100
      return `quorum ${s.quorumNumber} signed ${pct}% of stake, ${s.thresholdPercentage}% needed`
    })
    .join('; ')
}
