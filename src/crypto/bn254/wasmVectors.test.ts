import * as mcl from 'mcl-wasm'
import { beforeAll, describe, expect, test } from 'vitest'
import { g1FromMcl } from './mclPoints.js'
import { initBn254 } from './runtime.js'
import { millerLoopProduct, pairingProductIsOne, sumG1Affine, sumG1Mcl, sumG2Mcl } from './wasmVectors.js'

let g1s: mcl.G1[]
let g2s: mcl.G2[]
let scalars: mcl.Fr[]
beforeAll(async () => {
  await initBn254()
  const g1 = new mcl.G1()
  g1.setStr('1 1 2', 10)
  const g2 = mcl.hashAndMapToG2('avskit test')
  scalars = Array.from({ length: 600 }, () => {
    const s = new mcl.Fr()
    s.setByCSPRNG()
    return s
  })
  g1s = scalars.map((s) => mcl.mul(g1, s))
  g2s = scalars.slice(0, 300).map((s) => mcl.mul(g2, s))
})

describe('sumG1Mcl / sumG2Mcl', () => {
  test('equals a fold of mcl.add when the list spans several chunks', () => {
    const expected1 = g1s.reduce((acc, p) => mcl.add(acc, p), new mcl.G1())
    expect(sumG1Mcl(g1s).isEqual(expected1)).toBe(true)
    const expected2 = g2s.reduce((acc, p) => mcl.add(acc, p), new mcl.G2())
    expect(sumG2Mcl(g2s).isEqual(expected2)).toBe(true)
  })

  test('returns infinity when the list is empty', () => {
    expect(sumG1Mcl([]).isZero()).toBe(true)
    expect(sumG2Mcl([]).isZero()).toBe(true)
  })

  test('handles repeated points (doubling) when summing', () => {
    const p = g1s[0]!
    expect(sumG1Mcl([p, p, p]).isEqual(mcl.add(mcl.add(p, p), p))).toBe(true)
  })
})

describe('sumG1Affine', () => {
  test('equals sumG1Mcl and skips (0, 0) when given bigint points', () => {
    const points = g1s.slice(0, 50).map(g1FromMcl)
    const result = sumG1Affine([...points, { x: 0n, y: 0n }])
    expect('sum' in result && result.sum.isEqual(sumG1Mcl(g1s.slice(0, 50)))).toBe(true)
  })

  test('names the first point mcl refuses when one is off the curve', () => {
    const points = g1s.slice(0, 5).map(g1FromMcl)
    points[3] = { x: 1n, y: 3n }
    points[4] = { x: 1n, y: 4n }
    expect(sumG1Affine(points)).toEqual({ offCurve: 3 })
  })
})

describe('millerLoopProduct / pairingProductIsOne', () => {
  test('equals the product of single pairings when the list spans several chunks', () => {
    const n = 260
    const expected = g1s
      .slice(0, n)
      .reduce((acc, p, i) => mcl.mul(acc, mcl.pairing(p, g2s[i]!)), mcl.pairing(g1s[0]!, g2s[0]!))
    const withExtra = mcl.finalExp(millerLoopProduct([g1s[0]!, ...g1s.slice(0, n)], [g2s[0]!, ...g2s.slice(0, n)]))
    expect(withExtra.isEqual(expected)).toBe(true)
  })

  test('is one when the pairs cancel and not when they do not', () => {
    const [p, q] = [g1s[5]!, g2s[7]!]
    expect(pairingProductIsOne([p, mcl.neg(p)], [q, q])).toBe(true)
    expect(pairingProductIsOne([p, p], [q, q])).toBe(false)
    expect(pairingProductIsOne([new mcl.G1(), p], [q, new mcl.G2()])).toBe(true)
  })
})
