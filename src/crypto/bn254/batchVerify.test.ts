import fc from 'fast-check'
import { beforeAll, describe, expect, test } from 'vitest'
import { InvalidInputError } from '../../core/errors.js'
import { type BatchItem, type BatchItemMcl, randomBatchScalars, verifyBatch, verifyBatchMcl } from './batchVerify.js'
import { BN254_R } from './field.js'
import { hashToG1Mcl } from './hashToG1.js'
import { type BlsKeyPair, blsKeyPairFromPrivateKey } from './keys.js'
import { initBn254 } from './runtime.js'
import { signDigest } from './sign.js'
import { g1ToMcl, g2ToMcl } from './validation.js'

let keys: BlsKeyPair[]
beforeAll(async () => {
  await initBn254()
  keys = Array.from({ length: 6 }, (_, i) => blsKeyPairFromPrivateKey(424242n + 104729n * BigInt(i)))
})

const digestArb = fc.uint8Array({ minLength: 32, maxLength: 32 })

/** Items over a small pool of digests, so that some share a message (merged Miller loop) and some do not. */
const batches = fc
  .tuple(fc.array(digestArb, { minLength: 1, maxLength: 3 }), fc.integer({ min: 1, max: 8 }), fc.nat())
  .map(([pool, n, seed]) =>
    Array.from({ length: n }, (_, i) => ({ keyIndex: (seed + i * 5) % 6, digest: pool[(seed + i) % pool.length]! })),
  )

function itemsFor(batch: { keyIndex: number; digest: Uint8Array }[]): BatchItem[] {
  return batch.map(({ keyIndex, digest }) => {
    const key = keys[keyIndex]!
    return { digest, pkG2: key.g2, signature: signDigest(key.privateKey, digest) }
  })
}

describe('verifyBatch', () => {
  test('accepts a batch when every item is valid', () => {
    fc.assert(
      fc.property(batches, (batch) => {
        expect(verifyBatch(itemsFor(batch))).toBe(true)
      }),
      { numRuns: 25 },
    )
  })

  test('detects a single wrong signature anywhere in the batch', () => {
    fc.assert(
      fc.property(batches, fc.nat(), fc.constantFrom('other key', 'other message', 'shifted'), (batch, at, how) => {
        const items = itemsFor(batch)
        const index = at % items.length
        const item = items[index]!
        const sk = keys[batch[index]!.keyIndex]!.privateKey
        const wrong =
          how === 'other key'
            ? signDigest((sk + 1n) % BN254_R, item.digest)
            : how === 'other message'
              ? signDigest(sk, new Uint8Array(32).fill(0xee))
              : signDigest((sk * 2n) % BN254_R, item.digest)
        items[index] = { ...item, signature: wrong }
        expect(verifyBatch(items)).toBe(false)
      }),
      { numRuns: 25 },
    )
  })

  test('rejects two wrong signatures when their errors cancel in a plain product', () => {
    // σ₁' = σ₁ + Δ and σ₂' = σ₂ − Δ on the same message keep Σσ unchanged: the aggregate check would pass, the
    // random linear combination must not.
    const digest = new Uint8Array(32).fill(7)
    const [a, b] = [keys[0]!, keys[1]!]
    const items: BatchItem[] = [
      { digest, pkG2: a.g2, signature: signDigest((a.privateKey + 5n) % BN254_R, digest) },
      { digest, pkG2: b.g2, signature: signDigest((b.privateKey - 5n + BN254_R) % BN254_R, digest) },
    ]
    expect(verifyBatch(items)).toBe(false)
  })

  test('handles more items than one wasm chunk when they share a message', () => {
    const digest = new Uint8Array(32).fill(9)
    const items: BatchItem[] = Array.from({ length: 300 }, (_, i) => {
      const key = keys[i % keys.length]!
      return { digest, pkG2: key.g2, signature: signDigest(key.privateKey, digest) }
    })
    expect(verifyBatch(items)).toBe(true)
    items[299] = { ...items[299]!, signature: items[0]!.signature }
    expect(verifyBatch(items)).toBe(false)
  })

  test('merges items on the mcl path when they share the hash object', () => {
    const digest = new Uint8Array(32).fill(3)
    const hash = hashToG1Mcl(digest)
    const items: BatchItemMcl[] = keys.map((key) => ({
      hash,
      pkG2: g2ToMcl(key.g2),
      signature: g1ToMcl(signDigest(key.privateKey, digest)),
    }))
    expect(verifyBatchMcl(items)).toBe(true)
    items.reverse()
    items[0] = { ...items[0]!, pkG2: items[1]!.pkG2 }
    expect(verifyBatchMcl(items)).toBe(false)
  })

  test('throws InvalidInputError naming the item when an input is malformed', () => {
    const items = itemsFor([
      { keyIndex: 0, digest: new Uint8Array(32) },
      { keyIndex: 1, digest: new Uint8Array(32) },
    ])
    expect(() => verifyBatch([items[0]!, { ...items[1]!, digest: '0x1234' }])).toThrow(/items\[1\]\.digest: expected/)
    expect(() => verifyBatch([items[0]!, { ...items[1]!, signature: { x: 1n, y: 1n } }])).toThrow(
      /items\[1\]\.signature: expected a point on the curve/,
    )
    expect(() => verifyBatch([])).toThrow(InvalidInputError)
  })
})

describe('randomBatchScalars', () => {
  test('draws distinct nonzero 64-bit scalars when called', () => {
    const scalars = randomBatchScalars(1000).map((s) => BigInt(s.getStr(10)))
    for (const s of scalars) {
      expect(s).toBeGreaterThan(0n)
      expect(s).toBeLessThan(1n << 64n)
    }
    expect(new Set(scalars).size).toBe(1000)
    expect(scalars.some((s) => s >= 1n << 63n)).toBe(true)
  })

  test('fills more than one getRandomValues call when n is large', () => {
    expect(randomBatchScalars(10_000)).toHaveLength(10_000)
  })
})
