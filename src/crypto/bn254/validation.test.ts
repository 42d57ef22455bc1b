import * as mcl from 'mcl-wasm'
import { beforeAll, describe, expect, test } from 'vitest'
import { InvalidInputError } from '../../core/errors.js'
import { BN254_P } from './field.js'
import { type BlsKeyPair, blsKeyPairFromPrivateKey } from './keys.js'
import { g2FromMcl } from './mclPoints.js'
import { G1_GENERATOR, type G2Point } from './points.js'
import { initBn254 } from './runtime.js'
import { assertG1, assertG2, g1ToMcl, g2ToMcl } from './validation.js'

let pk: BlsKeyPair
beforeAll(async () => {
  await initBn254()
  pk = blsKeyPairFromPrivateKey(853n)
})

/**
 * A point on the twist y² = x³ + 3/(9 + i) that is not in the order-r subgroup: try x = k + i until the
 * right-hand side is a square in F_p², and keep the point without clearing the cofactor.
 */
function twistPointOutsideG2(): G2Point {
  const b = mcl.div(fp2(3, 0), fp2(9, 1))
  for (let k = 1; ; k++) {
    const x = fp2(k, 1)
    const [isSquare, y] = mcl.squareRoot(mcl.add(mcl.mul(mcl.sqr(x), x), b))
    if (!isSquare) continue
    const point = new mcl.G2()
    const one = fp2(1, 0)
    point.setX(x)
    point.setY(y)
    point.setZ(one)
    if (point.isValid() && !point.isValidOrder()) return g2FromMcl(point)
  }
}

function fp2(real: number, imaginary: number): mcl.Fp2 {
  const value = new mcl.Fp2()
  value.setInt(real, imaginary)
  return value
}

describe('assertG1', () => {
  test('accepts a point when it is on the curve', () => {
    expect(() => assertG1(pk.g1)).not.toThrow()
    expect(() => assertG1(G1_GENERATOR)).not.toThrow()
  })

  test('throws InvalidInputError naming the curve when the point is off it', () => {
    expect(() => assertG1({ x: 1n, y: 3n }, 'signature')).toThrow(InvalidInputError)
    expect(() => assertG1({ x: 1n, y: 3n }, 'signature')).toThrow(
      /signature: expected a point on the curve y² = x³ \+ 3/,
    )
  })

  test('throws InvalidInputError naming the coordinate when it is ≥ p', () => {
    expect(() => assertG1({ x: BN254_P + 1n, y: 2n }, 'apk')).toThrow(/apk\.x: expected a field element in \[0, p\)/)
    // (x, y + p) satisfies the curve equation mod p: only the range check catches it.
    expect(() => assertG1({ x: 1n, y: 2n + BN254_P })).toThrow(/G1 point\.y: expected a field element in \[0, p\)/)
    expect(() => assertG1({ x: -1n, y: 2n })).toThrow(/\.x: expected a field element/)
  })

  test('refuses infinity unless allowed', () => {
    expect(() => assertG1({ x: 0n, y: 0n }, 'signature')).toThrow(/signature: expected a point other than infinity/)
    expect(() => assertG1({ x: 0n, y: 0n }, 'apk', { allowInfinity: true })).not.toThrow()
  })

  test('throws InvalidInputError when the shape is wrong', () => {
    expect(() => assertG1(null as never)).toThrow(/expected \{ x, y \}, got null/)
    expect(() => assertG1({ x: '1', y: 2n } as never)).toThrow(/\.x: expected bigint, got string/)
  })
})

describe('assertG2', () => {
  test('accepts a point when it is in G2', () => {
    expect(() => assertG2(pk.g2)).not.toThrow()
    expect(g2FromMcl(g2ToMcl(pk.g2))).toEqual(pk.g2)
  })

  test('throws InvalidInputError naming the subgroup when the point is on the twist but outside G2', () => {
    const outside = twistPointOutsideG2()
    expect(() => assertG2(outside, 'pkG2')).toThrow(InvalidInputError)
    expect(() => assertG2(outside, 'pkG2')).toThrow(/pkG2: expected a point in the order-r subgroup G2/)
    // and keeps refusing it (nothing cached for a rejected point)
    expect(() => g2ToMcl(outside)).toThrow(/subgroup/)
  })

  test('throws InvalidInputError naming the twist when the point is off it', () => {
    const off: G2Point = { x: pk.g2.x, y: [pk.g2.y[0], pk.g2.y[1] + 1n] }
    expect(() => assertG2(off, 'apkG2')).toThrow(/apkG2: expected a point on the twist curve/)
  })

  test('throws InvalidInputError naming the part when a coordinate is ≥ p', () => {
    const big: G2Point = { x: [pk.g2.x[0] + BN254_P, pk.g2.x[1]], y: pk.g2.y }
    expect(() => assertG2(big)).toThrow(/G2 point\.x\[0\] \(imaginary part\): expected a field element in \[0, p\)/)
    const bigReal: G2Point = { x: pk.g2.x, y: [pk.g2.y[0], BN254_P] }
    expect(() => assertG2(bigReal)).toThrow(/\.y\[1\] \(real part\)/)
  })

  test('refuses swapped [real, imaginary] pairs when given in the wrong order', () => {
    const swapped: G2Point = { x: [pk.g2.x[1], pk.g2.x[0]], y: [pk.g2.y[1], pk.g2.y[0]] }
    expect(() => assertG2(swapped)).toThrow(InvalidInputError)
  })

  test('checks a remembered key object again when it was mutated', () => {
    const key = { x: [...pk.g2.x], y: [...pk.g2.y] } as unknown as { x: bigint[]; y: bigint[] }
    expect(() => assertG2(key as unknown as G2Point)).not.toThrow()
    key.y[1] = (key.y[1] as bigint) + 1n
    expect(() => assertG2(key as unknown as G2Point, 'pkG2')).toThrow(/pkG2: expected a point on the twist/)
  })

  test('refuses infinity unless allowed', () => {
    const infinity: G2Point = { x: [0n, 0n], y: [0n, 0n] }
    expect(() => assertG2(infinity)).toThrow(/expected a point other than infinity/)
    expect(() => assertG2(infinity, 'apkG2', { allowInfinity: true })).not.toThrow()
    expect(g2ToMcl(infinity, 'apkG2', { allowInfinity: true }).isZero()).toBe(true)
  })

  test('throws InvalidInputError when the shape is wrong', () => {
    expect(() => assertG2({ x: [1n], y: [1n, 2n] } as never)).toThrow(/\.x: expected \[imaginary, real\] pair/)
    expect(() => assertG2(undefined as never)).toThrow(/got undefined/)
  })
})

describe('g1ToMcl', () => {
  test('returns the same point in mcl form when valid', () => {
    expect(g1ToMcl(G1_GENERATOR).getStr(10)).toBe('1 1 2')
  })
})
