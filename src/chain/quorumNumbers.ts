/**
 * Quorum numbers travel on chain as `bytes`, one byte per quorum in ascending order (EigenLayer M2
 * `BitmapUtils.orderedBytesArrayToBitmap` requires strictly ascending bytes).
 */
import { bytesToHex, type Hex, hexToBytes } from 'viem'
import { InvalidInputError } from '../core/errors.js'

/** The maximum quorum count of M2 (`MAX_QUORUM_COUNT` in RegistryCoordinator: a uint192 bitmap). */
export const maxQuorumCount = 192

export function encodeQuorumNumbers(quorums: readonly number[]): Hex {
  const sorted = [...quorums].sort((a, b) => a - b)
  for (const [i, q] of sorted.entries()) {
    if (!Number.isInteger(q) || q < 0 || q >= maxQuorumCount) {
      throw new InvalidInputError(
        `Invalid quorum number: expected an integer from 0 to ${maxQuorumCount - 1}, got ${q}.`,
      )
    }
    if (i > 0 && sorted[i - 1] === q) throw new InvalidInputError(`Quorum ${q} is listed twice.`)
  }
  return bytesToHex(Uint8Array.from(sorted))
}

export function decodeQuorumNumbers(bytes: Hex): number[] {
  return [...hexToBytes(bytes)]
}

/** Quorum numbers set in an M2 quorum bitmap (bit i = quorum i). */
export function quorumsFromBitmap(bitmap: bigint): number[] {
  const quorums: number[] = []
  for (let q = 0; bitmap >> BigInt(q) !== 0n; q++) if ((bitmap >> BigInt(q)) & 1n) quorums.push(q)
  return quorums
}
