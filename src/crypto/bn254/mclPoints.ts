/**
 * Conversions between bigint points (EVM layout, see points.ts) and mcl values, without validation: callers
 * validate first (validation.ts) or convert mcl's own output.
 *
 * mcl's text form of a point is "0" for infinity, "1 x y" for an affine G1 point and "1 x_a x_b y_a y_b" for G2,
 * where an Fp2 element is a + b·i with `a` the real part. The swap to and from the contract's [imaginary, real]
 * order happens here and nowhere else.
 */
import * as mcl from 'mcl-wasm'
import type { G1Point, G2Point } from './points.js'

/** A G1 point in mcl form; no checks (mcl still rejects points off the curve with a generic Error). */
export function g1ToMclUnchecked(p: G1Point): mcl.G1 {
  const point = new mcl.G1()
  if (p.x === 0n && p.y === 0n) return point
  point.setStr(`1 ${p.x.toString(16)} ${p.y.toString(16)}`, 16)
  return point
}

/** A G2 point in mcl form; no subgroup check (mcl still rejects points off the twist with a generic Error). */
export function g2ToMclUnchecked(p: G2Point): mcl.G2 {
  const point = new mcl.G2()
  if (p.x[0] === 0n && p.x[1] === 0n && p.y[0] === 0n && p.y[1] === 0n) return point
  // contract order [imag, real] → mcl order "real imag"
  point.setStr(`1 ${p.x[1].toString(16)} ${p.x[0].toString(16)} ${p.y[1].toString(16)} ${p.y[0].toString(16)}`, 16)
  return point
}

/** An mcl G1 value as bigints (affine; infinity as (0, 0)). */
export function g1FromMcl(p: mcl.G1): G1Point {
  const parts = mcl.normalize(p).getStr(16).split(' ')
  if (parts[0] === '0') return { x: 0n, y: 0n }
  return { x: BigInt(`0x${parts[1]}`), y: BigInt(`0x${parts[2]}`) }
}

/** An mcl G2 value as bigints in contract order (affine; infinity as all zeros). */
export function g2FromMcl(p: mcl.G2): G2Point {
  const parts = mcl.normalize(p).getStr(16).split(' ')
  if (parts[0] === '0') return { x: [0n, 0n], y: [0n, 0n] }
  const [, xReal, xImag, yReal, yImag] = parts.map((part) => BigInt(`0x${part}`)) as [
    bigint,
    bigint,
    bigint,
    bigint,
    bigint,
  ]
  return { x: [xImag, xReal], y: [yImag, yReal] }
}

/** A scalar in mcl form; `k` must already be in [0, r). */
export function frFromBigint(k: bigint): mcl.Fr {
  const fr = new mcl.Fr()
  fr.setStr(k.toString(16), 16)
  return fr
}
