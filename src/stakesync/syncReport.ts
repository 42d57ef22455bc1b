/** What one stake sync round did (or, in a dry run, would do): the CLI prints it, the devnet prints it, tests read it. */
import type { Address, Hash } from 'viem'
import type { BaseError } from '../core/errors.js'
import type { QuorumUpdateReason } from './decideQuorumUpdate.js'
import type { QuorumStaleness } from './stalenessAlerts.js'

export type StakeChange = { address: Address; recorded: bigint; current: bigint }

export type QuorumReport = {
  quorumNumber: number
  /** Operators in the quorum at the round's block. */
  operators: number
  /** Operators whose recorded stake differs from what an update records now. */
  changes: StakeChange[]
  reason: QuorumUpdateReason
  /**
   * How the quorum is brought up to date: in full (`updateOperatorsForQuorum`), through its changed operators in
   * `updateOperators` (a full update would exceed `--max-gas-per-tx`), or not at all.
   */
  action: 'updateOperatorsForQuorum' | 'updateOperators' | 'none'
  /** Estimated gas of the full update, when it was estimated (dry runs and with `--max-gas-per-tx`). */
  fullUpdateGasEstimate?: bigint | undefined
  lastFullUpdateBlock: bigint
}

export type UpdateReport = {
  functionName: 'updateOperatorsForQuorum' | 'updateOperators'
  /** The quorum of an `updateOperatorsForQuorum`. */
  quorumNumber?: number | undefined
  operators: Address[]
  /**
   * `sent`: mined successfully; `failed`: every attempt failed; `planned`: a dry run; `skipped`: a re-read before
   * a retry found nothing left to do (another submitter got there first).
   */
  outcome: 'sent' | 'failed' | 'planned' | 'skipped'
  attempts: number
  gasEstimate?: bigint | undefined
  transactionHash?: Hash | undefined
  blockNumber?: bigint | undefined
  gasUsed?: bigint | undefined
  error?: BaseError | undefined
  /** Why earlier attempts failed, in order (e.g. a revert with OperatorCountMismatch before a re-read). */
  attemptErrors: string[]
}

export type SyncRoundReport = {
  /** `standby`: another replica holds the submitter lock, so this one read and sent nothing. */
  outcome: 'completed' | 'failed' | 'standby'
  mode: 'quorums' | 'operators'
  dryRun: boolean
  startedAt: Date
  durationMs: number
  /** The block the round's state was read at. */
  blockNumber?: bigint | undefined
  quorums: QuorumReport[]
  /** Operator-subset mode: operators given that are not registered (M2 `updateOperators` skips them). */
  unregistered: Address[]
  /** Operator-subset mode: every given operator's changes, per quorum. */
  operatorChanges: (StakeChange & { quorumNumber: number })[]
  updates: UpdateReport[]
  /** When `--max-staleness` is set: each quorum's last full update after the round. */
  staleness: QuorumStaleness[]
  /** Why the round failed before it could plan (the state could not be read). */
  error?: BaseError | undefined
}
