/**
 * BLS key pairs on BN254 as EigenLayer uses them.
 *
 * A private key is a scalar sk in [1, r). It has two public keys: pkG1 = sk·G1 (registered on chain, summed into
 * the quorum aggregate keys the contracts keep) and pkG2 = sk·G2 (used to verify signatures, which live in G1).
 * The operator id is keccak256(pkG1.X ‖ pkG1.Y), each coordinate a 32-byte big-endian word, as
 * `BN254.hashG1Point` computes it in eigenlayer-middleware.
 *
 * Private keys never appear in error messages.
 */
import * as mcl from 'mcl-wasm'
import { keccak256 } from 'viem'
import { InvalidInputError } from '../../core/errors.js'
import { g1ToBytes } from './encoding.js'
import { BN254_R, bytesToUint, describeType, parseUintString } from './field.js'
import { frFromBigint, g1FromMcl, g2FromMcl } from './mclPoints.js'
import type { G1Point, G2Point } from './points.js'
import { getBn254Runtime } from './runtime.js'
import { assertG1 } from './validation.js'

export type BlsKeyPair = {
  privateKey: bigint
  /** sk·G1: the key registered on chain and summed into aggregate public keys. */
  g1: G1Point
  /** sk·G2: the key signatures are verified against. */
  g2: G2Point
  /** keccak256(g1.x ‖ g1.y). */
  operatorId: `0x${string}`
}

/** Asserts sk is a bigint in [1, r) without ever printing it. */
export function assertBlsPrivateKey(sk: bigint, label = 'BLS private key'): void {
  if (typeof sk !== 'bigint') throw new InvalidInputError(`${label}: expected bigint, got ${describeType(sk)}`)
  if (sk === 0n) throw new InvalidInputError(`${label}: expected an integer in [1, r), got 0`)
  if (sk < 0n) throw new InvalidInputError(`${label}: expected an integer in [1, r), got a negative number`)
  if (sk >= BN254_R)
    throw new InvalidInputError(`${label}: expected an integer in [1, r), got one ≥ r (the group order)`)
}

/**
 * A uniformly random private key in [1, r), by rejection sampling of 254-bit values from
 * `crypto.getRandomValues` (about one draw in four is rejected, none is biased).
 */
export function generateBlsPrivateKey(): bigint {
  const bytes = new Uint8Array(32)
  for (;;) {
    crypto.getRandomValues(bytes)
    bytes[0] = (bytes[0] as number) & 0x3f // keep 254 bits: r < 2²⁵⁴
    const candidate = bytesToUint(bytes)
    if (candidate !== 0n && candidate < BN254_R) return candidate
  }
}

/**
 * Parses a private key written as decimal or 0x-hex (surrounding whitespace ignored). InvalidInputError when the
 * text is malformed, 0, or ≥ r; the message never contains the text.
 *
 * @example
 * parseBlsPrivateKey('69') // 69n
 * parseBlsPrivateKey('0x45') // 69n
 */
export function parseBlsPrivateKey(text: string): bigint {
  if (typeof text !== 'string')
    throw new InvalidInputError(`BLS private key: expected string, got ${describeType(text)}`)
  const sk = parseUintString(text.trim(), 'BLS private key', { echo: false })
  assertBlsPrivateKey(sk)
  return sk
}

/** The mcl form of a private key, for signing in bulk without bigint conversions. */
export function blsPrivateKeyToMcl(sk: bigint): mcl.Fr {
  assertBlsPrivateKey(sk)
  getBn254Runtime()
  return frFromBigint(sk)
}

/** keccak256(X ‖ Y) of a G1 public key, each coordinate 32 bytes big-endian (`BN254.hashG1Point`). */
export function operatorIdFromG1(pk: G1Point): `0x${string}` {
  assertG1(pk, 'public key')
  return keccak256(g1ToBytes(pk))
}

/**
 * Derives pkG1 = sk·G1, pkG2 = sk·G2 and the operator id.
 *
 * @example
 * const { g2 } = blsKeyPairFromPrivateKey(69n) // g2.x[0] = 5334410886741819556325359147377682006012228123419628681352847439302316235957n
 */
export function blsKeyPairFromPrivateKey(sk: bigint): BlsKeyPair {
  const scalar = blsPrivateKeyToMcl(sk)
  const { g1, g2 } = getBn254Runtime()
  const pkG1 = g1FromMcl(mcl.mul(g1, scalar))
  return { privateKey: sk, g1: pkG1, g2: g2FromMcl(mcl.mul(g2, scalar)), operatorId: operatorIdFromG1(pkG1) }
}
