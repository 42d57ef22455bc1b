import fc from 'fast-check'
import { beforeAll, describe, expect, test } from 'vitest'
import { InvalidInputError } from '../../core/errors.js'
import { aggregateG1, aggregateG2, verifyAggregateSameMessage, verifyAggregateSameMessageMcl } from './aggregate.js'
import { BN254_P, BN254_R } from './field.js'
import { hashToG1Mcl } from './hashToG1.js'
import { type BlsKeyPair, blsKeyPairFromPrivateKey } from './keys.js'
import { initBn254 } from './runtime.js'
import { signDigest } from './sign.js'
import { g1ToMcl, g2ToMcl } from './validation.js'

let keys: BlsKeyPair[]
beforeAll(async () => {
  await initBn254()
  keys = Array.from({ length: 8 }, (_, i) => blsKeyPairFromPrivateKey(1000n + 7919n * BigInt(i)))
})

const digest = `0x${'5a'.repeat(32)}` as const

describe('aggregateG1 / aggregateG2', () => {
  test('sums to the key of the summed private keys when aggregating keys', () => {
    const sum = keys.reduce((acc, k) => acc + k.privateKey, 0n) % BN254_R
    const expected = blsKeyPairFromPrivateKey(sum)
    expect(aggregateG1(keys.map((k) => k.g1))).toEqual(expected.g1)
    expect(aggregateG2(keys.map((k) => k.g2))).toEqual(expected.g2)
  })

  test('returns infinity when points cancel and accepts infinity as input', () => {
    const p = blsKeyPairFromPrivateKey(3n).g1
    const minusP = { x: p.x, y: BN254_P - p.y }
    expect(aggregateG1([p, minusP])).toEqual({ x: 0n, y: 0n })
    expect(aggregateG1([p, { x: 0n, y: 0n }])).toEqual(p)
    const q = blsKeyPairFromPrivateKey(3n).g2
    const minusQ = blsKeyPairFromPrivateKey(BN254_R - 3n).g2
    expect(aggregateG2([q, minusQ])).toEqual({ x: [0n, 0n], y: [0n, 0n] })
  })

  test('throws InvalidInputError naming the index when a point is invalid', () => {
    const bad = { x: 1n, y: 3n }
    expect(() => aggregateG1([keys[0]!.g1, bad])).toThrow(/G1 point \[1\]: expected a point on the curve/)
    expect(() => aggregateG1([])).toThrow(/expected at least one point, got an empty array/)
    expect(() => aggregateG2([])).toThrow(InvalidInputError)
  })
})

describe('verifyAggregateSameMessage', () => {
  test('accepts the aggregate when every signature is valid', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), (n, message) => {
        const signers = keys.slice(0, n)
        const signatures = signers.map((k) => signDigest(k.privateKey, message))
        expect(
          verifyAggregateSameMessage(
            signers.map((k) => k.g2),
            message,
            signatures,
          ),
        ).toBe(true)
      }),
      { numRuns: 10 },
    )
  })

  test('rejects the aggregate when one signature is on another message', () => {
    const signatures = keys.map((k) => signDigest(k.privateKey, digest))
    signatures[3] = signDigest(keys[3]!.privateKey, `0x${'00'.repeat(32)}`)
    expect(
      verifyAggregateSameMessage(
        keys.map((k) => k.g2),
        digest,
        signatures,
      ),
    ).toBe(false)
  })

  test('rejects the aggregate when a key is missing', () => {
    const signatures = keys.map((k) => signDigest(k.privateKey, digest))
    const pks = keys.map((k) => k.g2)
    pks[0] = keys[1]!.g2
    expect(verifyAggregateSameMessage(pks, digest, signatures)).toBe(false)
  })

  test('rejects when the aggregate key is infinity on the mcl path', () => {
    const q = g2ToMcl(keys[0]!.g2)
    const minusQ = g2ToMcl(blsKeyPairFromPrivateKey(BN254_R - keys[0]!.privateKey).g2)
    const s = g1ToMcl(signDigest(keys[0]!.privateKey, digest))
    const minusS = g1ToMcl(signDigest(BN254_R - keys[0]!.privateKey, digest))
    expect(verifyAggregateSameMessageMcl([q, minusQ], hashToG1Mcl(digest), [s, minusS])).toBe(false)
  })

  test('throws InvalidInputError when the lengths differ or the list is empty', () => {
    const signatures = keys.map((k) => signDigest(k.privateKey, digest))
    expect(() =>
      verifyAggregateSameMessage(
        keys.slice(1).map((k) => k.g2),
        digest,
        signatures,
      ),
    ).toThrow(/expected as many signatures as public keys, got 8 signatures for 7 keys/)
    expect(() => verifyAggregateSameMessage([], digest, [])).toThrow(InvalidInputError)
  })

  test('throws InvalidInputError naming the signature when one is off the curve or ≥ p', () => {
    const signatures = keys.map((k) => signDigest(k.privateKey, digest))
    const pks = keys.map((k) => k.g2)
    const offCurve = [...signatures]
    offCurve[2] = { x: offCurve[2]!.x, y: offCurve[2]!.y ^ 1n }
    expect(() => verifyAggregateSameMessage(pks, digest, offCurve)).toThrow(
      /signature \[2\]: expected a point on the curve/,
    )
    const tooBig = [...signatures]
    tooBig[5] = { x: BN254_P + 1n, y: 2n }
    expect(() => verifyAggregateSameMessage(pks, digest, tooBig)).toThrow(
      /signature \[5\]\.x: expected a field element/,
    )
    const infinity = [...signatures]
    infinity[0] = { x: 0n, y: 0n }
    expect(() => verifyAggregateSameMessage(pks, digest, infinity)).toThrow(
      /signature \[0\]: expected a point other than infinity/,
    )
  })
})
