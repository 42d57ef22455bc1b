/**
 * Aggregation. Signatures on the same message add up: Σσᵢ = (Σskᵢ)·H(m), and so do public keys:
 * Σpkᵢ = (Σskᵢ)·G2. One pairing check e(Σσᵢ, −G2)·e(H(m), Σpkᵢ) = 1 then verifies them all at once.
 *
 * This is sound only for keys whose holders proved possession of the private key (EigenLayer's pubkey
 * registration does, see registration.ts); otherwise a "rogue key" pk' = sk'·G2 − pk lets one party sign for
 * another. An aggregate that fails says that some signature is wrong, not which one: use verifyBatch to tell.
 *
 * The sums run inside mcl's wasm memory (wasmVectors.ts); repeated G2 keys skip their subgroup check
 * (validation.ts).
 */
import type * as mcl from 'mcl-wasm'
import { InvalidInputError } from '../../core/errors.js'
import { type BlsDigest, hashToG1Mcl } from './hashToG1.js'
import { g1FromMcl, g2FromMcl } from './mclPoints.js'
import type { G1Point, G2Point } from './points.js'
import { getBn254Runtime } from './runtime.js'
import { type AssertPointOptions, assertG1, assertG1Encoding, g2ToMcl } from './validation.js'
import { pairingProductIsOne, sumG1Affine, sumG1Mcl, sumG2Mcl } from './wasmVectors.js'

function assertNonEmpty(points: readonly unknown[], label: string): void {
  if (!Array.isArray(points)) throw new InvalidInputError(`${label}: expected an array, got ${typeof points}`)
  if (points.length === 0) throw new InvalidInputError(`${label}: expected at least one point, got an empty array`)
}

/** Σ of checked G1 points, parsed and added inside mcl (see sumG1Affine); InvalidInputError names the index. */
function sumCheckedG1(points: readonly G1Point[], label: string, options: AssertPointOptions): mcl.G1 {
  points.forEach((p, i) => {
    assertG1Encoding(p, `${label} [${i}]`, options)
  })
  const result = sumG1Affine(points)
  if ('sum' in result) return result.sum
  const i = result.offCurve
  assertG1(points[i] as G1Point, `${label} [${i}]`, options)
  throw new InvalidInputError(`${label} [${i}]: expected a point on the curve y² = x³ + 3, got one mcl refused`)
}

/**
 * Σ points in G1 (signatures, or G1 public keys). Points at infinity are accepted, and the result is (0, 0)
 * when the sum is infinity.
 */
export function aggregateG1(points: readonly G1Point[]): G1Point {
  assertNonEmpty(points, 'G1 points')
  return g1FromMcl(sumCheckedG1(points, 'G1 point', { allowInfinity: true }))
}

/** Σ points in G2 (public keys). Points at infinity are accepted, and so is an infinite sum. */
export function aggregateG2(points: readonly G2Point[]): G2Point {
  assertNonEmpty(points, 'G2 points')
  return g2FromMcl(sumG2Mcl(points.map((p, i) => g2ToMcl(p, `G2 point [${i}]`, { allowInfinity: true }))))
}

/**
 * Whether `signatures[i]` are, together, valid signatures of the same digest by the holders of `pkG2s[i]`: one
 * 2-pairing check of the sums. Needs as many signatures as keys.
 *
 * @example
 * verifyAggregateSameMessage(signers.map((s) => s.g2), taskDigest, signatures)
 */
export function verifyAggregateSameMessage(
  pkG2s: readonly G2Point[],
  digest: BlsDigest,
  signatures: readonly G1Point[],
): boolean {
  assertNonEmpty(pkG2s, 'public keys (G2)')
  assertSameLength(pkG2s.length, signatures.length)
  const hash = hashToG1Mcl(digest)
  const apkG2 = sumG2Mcl(pkG2s.map((p, i) => g2ToMcl(p, `public key (G2) [${i}]`)))
  return verifyAggregate(sumCheckedG1(signatures, 'signature', {}), hash, apkG2)
}

function assertSameLength(keys: number, signatures: number): void {
  if (keys !== signatures) {
    throw new InvalidInputError(
      `expected as many signatures as public keys, got ${signatures} signatures for ${keys} keys`,
    )
  }
}

/** verifyAggregateSameMessage on checked mcl values: the hot path of the aggregation service. */
export function verifyAggregateSameMessageMcl(
  pkG2s: readonly mcl.G2[],
  hash: mcl.G1,
  signatures: readonly mcl.G1[],
): boolean {
  assertNonEmpty(pkG2s, 'public keys (G2)')
  assertSameLength(pkG2s.length, signatures.length)
  return verifyAggregate(sumG1Mcl(signatures), hash, sumG2Mcl(pkG2s))
}

/** e(σ, −G2)·e(H, apkG2) = 1 for the sums. */
function verifyAggregate(sigma: mcl.G1, hash: mcl.G1, apkG2: mcl.G2): boolean {
  const { negG2 } = getBn254Runtime()
  // An infinite aggregate key would make e(H, apk) = 1 and accept the infinite signature: never a valid outcome.
  if (apkG2.isZero()) return false
  return pairingProductIsOne([sigma, hash], [negG2, apkG2])
}
