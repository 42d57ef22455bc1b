import fc from 'fast-check'
import * as mcl from 'mcl-wasm'
import { beforeAll, describe, expect, test } from 'vitest'
import { InvalidInputError } from '../../core/errors.js'
import { BN254_R } from './field.js'
import { frFromBigint } from './mclPoints.js'
import { bucketWindowBits, mulVecBigint, mulVecMcl } from './multiScalarMul.js'
import { initBn254 } from './runtime.js'

let g1s: mcl.G1[]
let g2s: mcl.G2[]
beforeAll(async () => {
  await initBn254()
  const g1 = mcl.hashAndMapToG1('avskit msm g1')
  const g2 = mcl.hashAndMapToG2('avskit msm g2')
  g1s = Array.from({ length: 1100 }, (_, i) => mcl.mul(g1, frFromBigint(BigInt(i) * 7919n + 13n)))
  g2s = Array.from({ length: 200 }, (_, i) => mcl.mul(g2, frFromBigint(BigInt(i) * 104729n + 17n)))
})

/** Σ kᵢ·Pᵢ one multiplication at a time. */
function naive<T extends mcl.G1 | mcl.G2>(points: readonly T[], scalars: readonly bigint[]): T {
  let acc: mcl.G1 | mcl.G2 = points[0] instanceof mcl.G2 ? new mcl.G2() : new mcl.G1()
  points.forEach((p, i) => {
    const k = frFromBigint(scalars[i] as bigint)
    acc = p instanceof mcl.G2 ? mcl.add(acc as mcl.G2, mcl.mul(p, k)) : mcl.add(acc as mcl.G1, mcl.mul(p as mcl.G1, k))
  })
  return acc as T
}

function scalarsOf(bits: number) {
  return fc.bigInt({ min: 0n, max: (1n << BigInt(bits)) - 1n })
}

describe('mulVecBigint', () => {
  test('equals one multiplication at a time for any short scalars in G1', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(1, 2, 17, 33, 64),
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 0, max: 800 }),
        fc.infiniteStream(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n })),
        (bits, n, offset, stream) => {
          const scalars = [...stream.take(n)].map((k) => k & ((1n << BigInt(bits)) - 1n))
          const points = g1s.slice(offset, offset + n)
          expect(mulVecBigint(points, scalars.slice(0, points.length)).isEqual(naive(points, scalars))).toBe(true)
        },
      ),
      { numRuns: 25 },
    )
  })

  test('equals one multiplication at a time in G2 when the scalars are 64-bit or tiny', () => {
    fc.assert(
      fc.property(fc.constantFrom(2, 64), fc.array(scalarsOf(64), { minLength: 130, maxLength: 200 }), (bits, raw) => {
        const scalars = raw.map((k) => k & ((1n << BigInt(bits)) - 1n))
        const points = g2s.slice(0, scalars.length)
        expect(mulVecBigint(points, scalars).isEqual(naive(points, scalars))).toBe(true)
      }),
      { numRuns: 4 },
    )
  })

  test('handles repeated points, infinity and zero scalars when they land in one bucket', () => {
    const p = g1s[0]!
    const points = [p, p, p, new mcl.G1(), g1s[1]!]
    const scalars = [5n, 5n, 0n, 9n, 5n]
    expect(mulVecBigint(points, scalars).isEqual(naive(points, scalars))).toBe(true)
    const many = Array.from({ length: 200 }, () => p)
    expect(
      mulVecBigint(
        many,
        many.map(() => 3n),
      ).isEqual(mcl.mul(p, frFromBigint(600n))),
    ).toBe(true)
  })

  test('spans chunks when there are more points than one chunk', () => {
    const scalars = g1s.map((_, i) => (BigInt(i) * 0x9e3779b97f4a7c15n) & ((1n << 64n) - 1n))
    expect(mulVecBigint(g1s, scalars).isEqual(naive(g1s, scalars))).toBe(true)
  })

  test('falls back to mcl.mulVec when the scalars are long', () => {
    const scalars = g2s.slice(0, 5).map((_, i) => BN254_R - 1n - BigInt(i))
    expect(mulVecBigint(g2s.slice(0, 5), scalars).isEqual(naive(g2s.slice(0, 5), scalars))).toBe(true)
  })
})

describe('mulVecMcl', () => {
  test('equals mcl.mulVec when given Fr scalars', () => {
    const scalars = g2s.slice(0, 150).map((_, i) => frFromBigint(BigInt(i + 1) * 3n))
    expect(mulVecMcl(g2s.slice(0, 150), scalars).isEqual(mcl.mulVec(g2s.slice(0, 150), scalars))).toBe(true)
  })

  test('throws InvalidInputError when the lists are empty or differ in length', () => {
    expect(() => mulVecMcl([], [])).toThrow(InvalidInputError)
    expect(() => mulVecBigint(g1s.slice(0, 2), [1n])).toThrow(/expected as many scalars as points, got 1 for 2/)
  })
})

describe('bucketWindowBits', () => {
  test('grows with the number of points when the scalars are 64-bit', () => {
    expect(bucketWindowBits(1, 64)).toBeLessThanOrEqual(bucketWindowBits(100, 64))
    expect(bucketWindowBits(100, 64)).toBeLessThanOrEqual(bucketWindowBits(1000, 64))
    expect(bucketWindowBits(1000, 2)).toBe(2)
  })
})
