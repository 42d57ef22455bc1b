/** Boundary checks for what callers (gRPC peers, Raft log entries) hand the aggregation service. */
import type * as mcl from 'mcl-wasm'
import { InvalidInputError } from '../core/errors.js'
import { g1ToMcl } from '../crypto/index.js'
import type { SignedResponse, TaskParameters } from './types.js'

const bytes32 = /^0x[0-9a-fA-F]{64}$/

/** The response's signature in mcl form, or the reason it is malformed. */
export function parseSignedResponse(response: SignedResponse): { signature: mcl.G1 } | { malformed: string } {
  if (typeof response.taskIndex !== 'bigint' || response.taskIndex < 0n || response.taskIndex >= 2n ** 32n) {
    return { malformed: `taskIndex: expected an integer from 0 to 2^32-1, got ${String(response.taskIndex)}` }
  }
  if (typeof response.digest !== 'string' || !bytes32.test(response.digest)) {
    return { malformed: 'digest: expected 32 bytes as 0x-prefixed hex' }
  }
  if (typeof response.operatorId !== 'string' || !bytes32.test(response.operatorId)) {
    return { malformed: 'operatorId: expected 32 bytes as 0x-prefixed hex' }
  }
  try {
    return { signature: g1ToMcl(response.signature, 'signature') }
  } catch (error) {
    return { malformed: error instanceof Error ? error.message : String(error) }
  }
}

export function assertTaskParameters(params: TaskParameters): void {
  const where = `task ${String(params.taskIndex)}`
  if (typeof params.taskIndex !== 'bigint' || params.taskIndex < 0n || params.taskIndex >= 2n ** 32n) {
    throw new InvalidInputError(`${where}: taskIndex must be an integer from 0 to 2^32-1.`)
  }
  if (typeof params.referenceBlock !== 'bigint' || params.referenceBlock < 0n) {
    throw new InvalidInputError(`${where}: referenceBlock must be a non-negative block number.`)
  }
  const quorums = params.quorumNumbers
  if (
    quorums.length === 0 ||
    quorums.some((q, i) => !Number.isInteger(q) || q < 0 || q > 191 || (i > 0 && q <= (quorums[i - 1] as number)))
  ) {
    throw new InvalidInputError(`${where}: quorumNumbers must be distinct integers from 0 to 191 in ascending order.`)
  }
  const thresholds =
    typeof params.thresholdPercentages === 'number' ? [params.thresholdPercentages] : params.thresholdPercentages
  if (typeof params.thresholdPercentages !== 'number' && thresholds.length !== quorums.length) {
    throw new InvalidInputError(
      `${where}: expected one threshold percentage per quorum (${quorums.length}), got ${thresholds.length}.`,
    )
  }
  if (thresholds.some((t) => !Number.isInteger(t) || t < 1 || t > 100)) {
    throw new InvalidInputError(`${where}: threshold percentages must be integers from 1 to 100.`)
  }
  if (params.expiresAt === undefined && params.expiryBlock === undefined) {
    throw new InvalidInputError(`${where}: give an expiry time (expiresAt), an expiry block (expiryBlock), or both.`)
  }
  const window = params.collectionWindowMs ?? 0
  if (!Number.isInteger(window) || window < 0) {
    throw new InvalidInputError(`${where}: collectionWindowMs must be a non-negative integer.`)
  }
}
