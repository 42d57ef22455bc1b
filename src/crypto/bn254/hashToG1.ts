/**
 * hashToG1: maps a 32-byte digest to a point of G1 exactly as eigenlayer-middleware's `BN254.hashToG1(bytes32)`
 * does on chain, so that a signature made here verifies there.
 *
 * Try-and-increment, with no extra hashing:
 *
 *     x = digest mod p
 *     loop { β = x³ + 3 mod p;  y = β^((p+1)/4) mod p;  if y² = β return (x, y);  x = x + 1 mod p }
 *
 * Why this and not a constant-time map (SvdW, RFC 9380): the EVM has no cheap square root other than modexp, and
 * the contract has to reproduce the mapping; trying successive x until x³ + 3 is a square costs two modexps on
 * average (about half of F_p are squares), and the input is a public message digest, so the timing leak of a
 * variable number of tries reveals nothing secret. Because p ≡ 3 (mod 4), β^((p+1)/4) is a square root of β
 * whenever one exists; the y returned is exactly that power, never normalised to the "smaller" root, because the
 * contract does not normalise either. G1 has cofactor 1, so the point is in the signing group without clearing.
 */
import * as mcl from 'mcl-wasm'
import { InvalidInputError } from '../../core/errors.js'
import { describeType } from './field.js'
import { g1FromMcl } from './mclPoints.js'
import type { G1Point } from './points.js'
import { getBn254Runtime } from './runtime.js'

/** A 32-byte message digest (what operators sign), as 0x-hex or bytes. */
export type BlsDigest = `0x${string}` | Uint8Array

const hexDigest = /^0x[0-9a-fA-F]{64}$/

/** The 32 bytes of a digest; InvalidInputError for any other length or for malformed hex. */
export function digestToBytes(digest: BlsDigest, label = 'digest'): Uint8Array {
  if (digest instanceof Uint8Array) {
    if (digest.length !== 32) throw new InvalidInputError(`${label}: expected 32 bytes, got ${digest.length} bytes`)
    return digest
  }
  if (typeof digest !== 'string') {
    throw new InvalidInputError(`${label}: expected 0x-prefixed 32-byte hex or Uint8Array, got ${describeType(digest)}`)
  }
  if (!hexDigest.test(digest)) {
    const shown = digest.length > 80 ? `${digest.slice(0, 80)}…` : digest
    throw new InvalidInputError(
      `${label}: expected 0x-prefixed 32-byte hex (66 characters), got "${shown}" (${digest.length} characters)`,
    )
  }
  const bytes = new Uint8Array(32)
  for (let i = 0; i < 32; i++) bytes[i] = Number.parseInt(digest.slice(2 + 2 * i, 4 + 2 * i), 16)
  return bytes
}

/** hashToG1 in mcl form, for hot paths that keep working in mcl. */
export function hashToG1Mcl(digest: BlsDigest): mcl.G1 {
  const { fpOne, fpThree, sqrtExponent } = getBn254Runtime()
  let x = new mcl.Fp()
  x.setBigEndianMod(digestToBytes(digest))
  for (;;) {
    const beta = mcl.add(mcl.mul(mcl.sqr(x), x), fpThree)
    const y = mcl.pow(beta, sqrtExponent)
    if (mcl.sqr(y).isEqual(beta)) {
      const point = new mcl.G1()
      point.setX(x)
      point.setY(y)
      point.setZ(fpOne)
      return point
    }
    x = mcl.add(x, fpOne)
  }
}

/**
 * Maps a 32-byte digest to G1 by try-and-increment, identical to `BN254.hashToG1` in eigenlayer-middleware.
 *
 * @example
 * const h = hashToG1(keccak256(toHex('task 1'))) // { x, y } with y² = x³ + 3
 */
export function hashToG1(digest: BlsDigest): G1Point {
  return g1FromMcl(hashToG1Mcl(digest))
}
