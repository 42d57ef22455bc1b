/**
 * Batch verification of signatures on different messages by different keys, with one multi-pairing.
 *
 * Each item i asserts eᵢ := e(σᵢ, −G2)·e(Hᵢ, pkᵢ) = 1. Multiplying the n equations together is not enough: two
 * wrong signatures could cancel (σ₁ + Δ, σ₂ − Δ). Raising each to an independent random scalar cᵢ first is:
 *
 *     Π eᵢ^cᵢ = e(Σ cᵢσᵢ, −G2) · Π e(cᵢHᵢ, pkᵢ) = 1
 *
 * GT has prime order r. If some eⱼ ≠ 1, then for any fixed choice of the other scalars exactly one value of cⱼ
 * mod r makes the product 1, so a batch containing an invalid item passes with probability at most 2⁻⁶⁴ when
 * the cᵢ are drawn uniformly from the nonzero 64-bit integers (crypto.getRandomValues), fresh for every call.
 * The signer cannot predict them, which is what the argument needs.
 *
 * Cost: one multi-scalar multiplication for Σ cᵢσᵢ, and one Miller loop per distinct message plus a single final
 * exponentiation, instead of n full 2-pairing checks. Items that share a message are merged,
 * Π e(cᵢH, pkᵢ) = e(H, Σ cᵢpkᵢ), so n signatures on one message cost one Miller loop. A failed batch says that
 * some item is invalid; callers that need to know which verify the items one by one (or bisect).
 */
import * as mcl from 'mcl-wasm'
import { InvalidInputError } from '../../core/errors.js'
import { type BlsDigest, digestToBytes, hashToG1Mcl } from './hashToG1.js'
import { frFromBigint } from './mclPoints.js'
import { mulVecBigint } from './multiScalarMul.js'
import type { G1Point, G2Point } from './points.js'
import { getBn254Runtime } from './runtime.js'
import { g1ToMcl, g2ToMcl } from './validation.js'
import { pairingProductIsOne } from './wasmVectors.js'

export type BatchItem = { digest: BlsDigest; pkG2: G2Point; signature: G1Point }

/** A batch item in mcl form; items whose `hash` is the same object are merged into one Miller loop. */
export type BatchItemMcl = { hash: mcl.G1; pkG2: mcl.G2; signature: mcl.G1 }

/** Bits of each random batch scalar (see the module doc). */
export const BATCH_SCALAR_BITS = 64

/**
 * Whether every item is a valid signature, checked with random linear combination and one multi-pairing.
 * InvalidInputError when the batch is empty or any point or digest is malformed.
 *
 * @example
 * verifyBatch(responses.map((r) => ({ digest: r.digest, pkG2: r.operator.g2, signature: r.signature })))
 */
export function verifyBatch(items: readonly BatchItem[]): boolean {
  assertNonEmpty(items)
  const hashes = new Map<string, mcl.G1>()
  const prepared = items.map((item, i): BatchItemMcl => {
    const key = digestKey(digestToBytes(item.digest, `items[${i}].digest`))
    let hash = hashes.get(key)
    if (hash === undefined) {
      hash = hashToG1Mcl(item.digest)
      hashes.set(key, hash)
    }
    return {
      hash,
      pkG2: g2ToMcl(item.pkG2, `items[${i}].pkG2`),
      signature: g1ToMcl(item.signature, `items[${i}].signature`),
    }
  })
  return verifyBatchMcl(prepared)
}

/** verifyBatch on checked mcl values (keys from `g2ToMcl`, hashes from `hashToG1Mcl`, shared per message). */
export function verifyBatchMcl(items: readonly BatchItemMcl[]): boolean {
  const { negG2 } = getBn254Runtime()
  assertNonEmpty(items)
  const scalars = randomBatchScalarValues(items.length)
  const groups = new Map<mcl.G1, { keys: mcl.G2[]; scalars: bigint[] }>()
  items.forEach((item, i) => {
    const scalar = scalars[i] as bigint
    const group = groups.get(item.hash)
    if (group) {
      group.keys.push(item.pkG2)
      group.scalars.push(scalar)
    } else {
      groups.set(item.hash, { keys: [item.pkG2], scalars: [scalar] })
    }
  })
  const g1s: mcl.G1[] = [
    mulVecBigint(
      items.map((item) => item.signature),
      scalars,
    ),
  ]
  const g2s: mcl.G2[] = [negG2]
  for (const [hash, group] of groups) {
    if (group.keys.length === 1) {
      // One key: the scalar goes on the G1 side, where multiplication is cheaper.
      g1s.push(mcl.mul(hash, frFromBigint(group.scalars[0] as bigint)))
      g2s.push(group.keys[0] as mcl.G2)
    } else {
      g1s.push(hash)
      g2s.push(mulVecBigint(group.keys, group.scalars))
    }
  }
  return pairingProductIsOne(g1s, g2s)
}

/** n independent, uniformly random, nonzero 64-bit scalars from crypto.getRandomValues. */
export function randomBatchScalarValues(n: number): bigint[] {
  const bytesPerScalar = BATCH_SCALAR_BITS / 8
  const scalars: bigint[] = []
  // getRandomValues fills at most 65536 bytes per call.
  const pool = new Uint8Array(Math.min(65536, bytesPerScalar * Math.max(n, 1)))
  const view = new DataView(pool.buffer)
  let offset = pool.length
  while (scalars.length < n) {
    if (offset + bytesPerScalar > pool.length) {
      crypto.getRandomValues(pool)
      offset = 0
    }
    const scalar = view.getBigUint64(offset)
    offset += bytesPerScalar
    if (scalar !== 0n) scalars.push(scalar)
  }
  return scalars
}

/** randomBatchScalarValues in mcl form. */
export function randomBatchScalars(n: number): mcl.Fr[] {
  return randomBatchScalarValues(n).map(frFromBigint)
}

function assertNonEmpty(items: readonly unknown[]): void {
  if (!Array.isArray(items)) throw new InvalidInputError(`batch: expected an array of items, got ${typeof items}`)
  if (items.length === 0) throw new InvalidInputError('batch: expected at least one item, got an empty array')
}

function digestKey(bytes: Uint8Array): string {
  let key = ''
  for (const byte of bytes) key += byte.toString(16).padStart(2, '0')
  return key
}
