/**
 * The vocabulary of BLS aggregation: a task (what must be signed, by whom, by when), a signed response, the
 * rejection codes, and the certificate — exactly the `NonSignerStakesAndSignature` that EigenLayer's
 * `BLSSignatureChecker.checkSignatures(msgHash, quorumNumbers, referenceBlockNumber, params)` takes.
 */
import type { Address, Hex } from 'viem'
import type { G1Point, G1Struct, G2Point, G2Struct } from '../crypto/index.js'

export type TaskParameters = {
  taskIndex: bigint
  /** Block at which the operator set and stakes are read; checkSignatures needs it below the submission block. */
  referenceBlock: bigint
  /** Ascending, distinct. */
  quorumNumbers: readonly number[]
  /** One percentage (0–100) per quorum, or one for all. */
  thresholdPercentages: readonly number[] | number
  /** The task expires at this time (ms since the epoch)… */
  expiresAt?: number | undefined
  /** …and/or at this block. At least one of the two is required. */
  expiryBlock?: bigint | undefined
  /** Once a digest reaches every threshold, keep collecting this long before certifying (default 0). */
  collectionWindowMs?: number | undefined
  /** Opaque data kept with the task (the on-chain task struct, for one); must be JSON-serialisable. */
  metadata?: unknown
}

export type SignedResponse = {
  taskIndex: bigint
  /** keccak256 of the response the operator signed. */
  digest: Hex
  signature: G1Point
  operatorId: Hex
  /** The response itself (JSON-serialisable), stored with the signature so the winner can be submitted. */
  response?: unknown
}

export const rejectionCodes = [
  'INVALID_SIGNATURE',
  'UNKNOWN_OPERATOR',
  'NOT_IN_QUORUM',
  'DUPLICATE',
  'EQUIVOCATION',
  'TASK_UNKNOWN',
  'TASK_EXPIRED',
  'MALFORMED',
] as const
export type RejectionCode = (typeof rejectionCodes)[number]

export type ProcessResult = { status: 'accepted' } | { status: 'rejected'; code: RejectionCode; message: string }

export type Certificate = {
  nonSignerQuorumBitmapIndices: readonly number[]
  nonSignerPubkeys: readonly G1Struct[]
  quorumApks: readonly G1Struct[]
  apkG2: G2Struct
  sigma: G1Struct
  quorumApkIndices: readonly number[]
  totalStakeIndices: readonly number[]
  nonSignerStakeIndices: readonly (readonly number[])[]
}

export type QuorumStake = { quorumNumber: number; signedStake: bigint; totalStake: bigint; thresholdPercentage: number }

export type TaskCertified = {
  taskIndex: bigint
  referenceBlock: bigint
  quorumNumbers: readonly number[]
  digest: Hex
  /** The response signed by the winners (as sent with their signatures). */
  response: unknown
  certificate: Certificate
  signers: readonly Hex[]
  nonSigners: readonly Hex[]
  stakes: readonly QuorumStake[]
  metadata: unknown
}

export type TaskExpired = {
  taskIndex: bigint
  reason: string
  /** Best digest's stake per quorum when it expired. */
  stakes: readonly QuorumStake[]
  metadata: unknown
}

/** An operator of a task's quorums at its reference block, with keys and its stake in each of those quorums. */
export type TaskOperator = {
  operatorId: Hex
  address: Address
  pubkeyG1: G1Point
  pubkeyG2: G2Point
  /** Stake per quorum number (only the task's quorums the operator is in). */
  stakes: ReadonlyMap<number, bigint>
}

/** The operator set of a task: who may sign, with what weight, and each quorum's total. */
export type OperatorSetSnapshot = {
  referenceBlock: bigint
  quorumNumbers: readonly number[]
  operators: ReadonlyMap<Hex, TaskOperator>
  totalStakes: ReadonlyMap<number, bigint>
}
