/**
 * Whether a quorum gets `updateOperatorsForQuorum` this round. avs-sync sends it for every quorum every round;
 * avskit sends it when it would change something: when a recorded stake differs from what the update would record
 * now, when `--force` asks for it, or when the quorum's last full update would otherwise grow older than
 * `--max-staleness` before the next round. The last matters to AVSs whose BLSSignatureChecker forbids stale stakes
 * (`staleStakesForbidden`: checkSignatures then requires `quorumUpdateBlockNumber` to be recent).
 */
import { changedOperators, type QuorumStakes } from './readQuorumStakes.js'

export type StakeSyncPolicy = {
  /** Send even when nothing changed (`--force`). */
  force: boolean
  /** `--max-staleness` in ms; undefined: no limit. */
  maxStalenessMs?: number | undefined
  /** Time to the next round in ms (0 when this is the only one). */
  syncIntervalMs: number
}

export type QuorumUpdateReason =
  | { kind: 'changed'; changed: number; operators: number }
  | { kind: 'forced'; operators: number }
  /** `ageMs` undefined: the quorum was never updated in full. */
  | { kind: 'stale'; ageMs: number | undefined; maxStalenessMs: number; operators: number }
  | { kind: 'unchanged'; operators: number }

export type QuorumUpdateDecision = { send: boolean; reason: QuorumUpdateReason }

/**
 * @param lastFullUpdateAgeMs how long ago `quorumUpdateBlockNumber` was mined; undefined when it is 0 (never).
 */
export function decideQuorumUpdate(
  stakes: QuorumStakes,
  policy: StakeSyncPolicy,
  lastFullUpdateAgeMs: number | undefined,
): QuorumUpdateDecision {
  const operators = stakes.operators.length
  const changed = changedOperators(stakes.operators).length
  if (changed > 0) return { send: true, reason: { kind: 'changed', changed, operators } }
  if (policy.force) return { send: true, reason: { kind: 'forced', operators } }
  const { maxStalenessMs } = policy
  if (
    maxStalenessMs !== undefined &&
    (lastFullUpdateAgeMs === undefined || lastFullUpdateAgeMs + policy.syncIntervalMs >= maxStalenessMs)
  ) {
    return { send: true, reason: { kind: 'stale', ageMs: lastFullUpdateAgeMs, maxStalenessMs, operators } }
  }
  return { send: false, reason: { kind: 'unchanged', operators } }
}
