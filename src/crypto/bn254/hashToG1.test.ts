import fc from 'fast-check'
import { beforeAll, describe, expect, test } from 'vitest'
import { InvalidInputError } from '../../core/errors.js'
import { BN254_P, bytesToUint } from './field.js'
import { digestToBytes, hashToG1, hashToG1Mcl } from './hashToG1.js'
import { g1FromMcl } from './mclPoints.js'
import { initBn254 } from './runtime.js'

beforeAll(async () => {
  await initBn254()
})

/** The algorithm of DESIGN.md / BN254.hashToG1, written out in plain bigint arithmetic. */
function referenceHashToG1(digest: Uint8Array): { x: bigint; y: bigint; tries: number } {
  const p = BN254_P
  const pow = (b: bigint, e: bigint): bigint => {
    let result = 1n
    let base = b % p
    for (let k = e; k > 0n; k >>= 1n) {
      if (k & 1n) result = (result * base) % p
      base = (base * base) % p
    }
    return result
  }
  let x = bytesToUint(digest) % p
  for (let tries = 1; ; tries++) {
    const beta = (x * x * x + 3n) % p
    const y = pow(beta, (p + 1n) / 4n)
    if ((y * y) % p === beta) return { x, y, tries }
    x = (x + 1n) % p
  }
}

const digests = fc.uint8Array({ minLength: 32, maxLength: 32 })

describe('hashToG1', () => {
  test('returns a point on y² = x³ + 3 for any digest', () => {
    fc.assert(
      fc.property(digests, (digest) => {
        const { x, y } = hashToG1(digest)
        expect((y * y - x * x * x - 3n) % BN254_P).toBe(0n)
      }),
      { numRuns: 200 },
    )
  })

  test('matches a plain bigint re-computation of try-and-increment for any digest', () => {
    fc.assert(
      fc.property(digests, (digest) => {
        const { x, y } = referenceHashToG1(digest)
        expect(hashToG1(digest)).toEqual({ x, y })
      }),
      { numRuns: 200 },
    )
  })

  test('increments x when digest mod p is not the x of a curve point', () => {
    // Find digests that need several tries, so the increment path is exercised and compared.
    let found = 0
    for (let i = 0; found < 5 && i < 200; i++) {
      const digest = digestToBytes(`0x${i.toString(16).padStart(64, '0')}`)
      const reference = referenceHashToG1(digest)
      if (reference.tries < 3) continue
      found++
      expect(hashToG1(digest)).toEqual({ x: reference.x, y: reference.y })
      expect(reference.x).toBe(BigInt(i) + BigInt(reference.tries - 1))
    }
    expect(found).toBe(5)
  })

  test('reduces the digest mod p when it is ≥ p', () => {
    const digest = `0x${'ff'.repeat(32)}` as const
    const reference = referenceHashToG1(digestToBytes(digest))
    expect(hashToG1(digest)).toEqual({ x: reference.x, y: reference.y })
    expect(reference.x).toBeLessThan(BN254_P)
  })

  test('keeps y exactly β^((p+1)/4) when the other root is smaller', () => {
    // No sign normalisation: among many digests, both halves of [0, p) occur as y.
    const ys = Array.from({ length: 40 }, (_, i) => hashToG1(`0x${(i + 1000).toString(16).padStart(64, '0')}`).y)
    expect(ys.some((y) => y > BN254_P / 2n)).toBe(true)
    expect(ys.some((y) => y < BN254_P / 2n)).toBe(true)
  })

  test('gives the same point for hex and bytes when the digest is equal', () => {
    const bytes = Uint8Array.from({ length: 32 }, (_, i) => i * 7)
    const hex = `0x${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}` as const
    expect(hashToG1(hex)).toEqual(hashToG1(bytes))
    expect(g1FromMcl(hashToG1Mcl(hex))).toEqual(hashToG1(bytes))
  })

  test('throws InvalidInputError naming the length when the digest is not 32 bytes', () => {
    expect(() => hashToG1(new Uint8Array(31))).toThrow(/expected 32 bytes, got 31 bytes/)
    expect(() => hashToG1(`0x${'00'.repeat(33)}`)).toThrow(/68 characters/)
    expect(() => hashToG1('0x1234')).toThrow(InvalidInputError)
    expect(() => hashToG1(`0x${'zz'.repeat(32)}`)).toThrow(InvalidInputError)
    expect(() => hashToG1(42 as unknown as Uint8Array)).toThrow(/got number/)
  })
})
