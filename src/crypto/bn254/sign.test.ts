import fc from 'fast-check'
import { beforeAll, describe, expect, test } from 'vitest'
import { InvalidInputError } from '../../core/errors.js'
import { BN254_P, BN254_R } from './field.js'
import { hashToG1Mcl } from './hashToG1.js'
import { blsKeyPairFromPrivateKey, blsPrivateKeyToMcl } from './keys.js'
import { g1FromMcl } from './mclPoints.js'
import { initBn254 } from './runtime.js'
import { signDigest, signHashMcl, verifySignature, verifySignatureMcl } from './sign.js'
import { g1ToMcl, g2ToMcl } from './validation.js'

beforeAll(async () => {
  await initBn254()
})

const privateKeys = fc.bigInt({ min: 1n, max: BN254_R - 1n })
const digests = fc.uint8Array({ minLength: 32, maxLength: 32 })

describe('signDigest / verifySignature', () => {
  test('verifies its own signature for any key and digest', () => {
    fc.assert(
      fc.property(privateKeys, digests, (sk, digest) => {
        const { g2 } = blsKeyPairFromPrivateKey(sk)
        expect(verifySignature(g2, digest, signDigest(sk, digest))).toBe(true)
      }),
      { numRuns: 40 },
    )
  })

  test('rejects a signature when the digest, the key or the signature differs', () => {
    fc.assert(
      fc.property(privateKeys, privateKeys, digests, digests, (sk, otherSk, digest, otherDigest) => {
        fc.pre(sk !== otherSk && Buffer.compare(digest, otherDigest) !== 0)
        const signature = signDigest(sk, digest)
        expect(verifySignature(blsKeyPairFromPrivateKey(sk).g2, otherDigest, signature)).toBe(false)
        expect(verifySignature(blsKeyPairFromPrivateKey(otherSk).g2, digest, signature)).toBe(false)
        expect(verifySignature(blsKeyPairFromPrivateKey(sk).g2, digest, signDigest(otherSk, digest))).toBe(false)
      }),
      { numRuns: 15 },
    )
  })

  test('signs deterministically when called twice', () => {
    const digest = `0x${'ab'.repeat(32)}` as const
    expect(signDigest(853n, digest)).toEqual(signDigest(853n, digest))
  })

  test('gives the same results on the mcl path when inputs are equal', () => {
    const digest = `0x${'cd'.repeat(32)}` as const
    const { g2 } = blsKeyPairFromPrivateKey(69n)
    const signature = signHashMcl(blsPrivateKeyToMcl(69n), hashToG1Mcl(digest))
    expect(g1FromMcl(signature)).toEqual(signDigest(69n, digest))
    expect(verifySignatureMcl(g2ToMcl(g2), hashToG1Mcl(digest), g1ToMcl(g1FromMcl(signature)))).toBe(true)
  })

  test('throws InvalidInputError when the signature or key is not a valid point', () => {
    const digest = `0x${'01'.repeat(32)}` as const
    const { g2 } = blsKeyPairFromPrivateKey(5n)
    const signature = signDigest(5n, digest)
    expect(() => verifySignature(g2, digest, { x: signature.x, y: signature.y + 1n })).toThrow(
      /signature: expected a point on the curve/,
    )
    expect(() => verifySignature(g2, digest, { x: BN254_P, y: signature.y })).toThrow(
      /signature\.x: expected a field element/,
    )
    expect(() => verifySignature(g2, digest, { x: 0n, y: 0n })).toThrow(
      /signature: expected a point other than infinity/,
    )
    expect(() => verifySignature({ x: g2.x, y: [g2.y[0], 0n] }, digest, signature)).toThrow(InvalidInputError)
    expect(() => verifySignature({ x: g2.x, y: [g2.y[0], 0n] }, digest, signature)).toThrow(/public key \(G2\)/)
  })

  test('throws InvalidInputError when the private key is out of range', () => {
    expect(() => signDigest(0n, `0x${'01'.repeat(32)}`)).toThrow(InvalidInputError)
    expect(() => signDigest(BN254_R, `0x${'01'.repeat(32)}`)).toThrow(/\[1, r\)/)
  })
})
