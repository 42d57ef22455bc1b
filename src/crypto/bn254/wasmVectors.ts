/**
 * Vector operations run inside mcl's WebAssembly memory: sums of many points and products of many Miller loops.
 *
 * mcl-wasm's JavaScript wrapper copies every operand into wasm memory and back for each call, which costs more
 * than a G1 addition itself. For sums of thousands of points (aggregate signatures and keys) and for
 * multi-pairings, this file copies each chunk of points in once and runs the loop against wasm pointers, using the
 * C entry points (`mclBnG1_setStr`, `mclBnG1_add`, `mclBnG2_add`, `mclBnG1_dbl`, `mclBnG2_dbl`,
 * `mclBn_millerLoopVec`) that mcl-wasm's module exposes but does not wrap; multiScalarMul.ts uses them too. Should
 * a future mcl-wasm stop exposing them, every function falls back to the public API (same results, slower).
 *
 * Points are processed in chunks so the copies stay well inside mcl's 1 MiB wasm stack.
 */
import * as mcl from 'mcl-wasm'
import mclCore from 'mcl-wasm/dist/mcl.js'
import { InvalidInputError } from '../../core/errors.js'
import { g1ToMclUnchecked } from './mclPoints.js'
import type { G1Point } from './points.js'
import { getBn254Runtime } from './runtime.js'

/** Points copied to the wasm stack at once: 256 G2 points are 72 KiB. */
const CHUNK = 256

type NativeExports = {
  _mclBnG1_setStr(out: number, text: number, length: number, ioMode: number): number
  _mclBnG1_add(z: number, x: number, y: number): void
  _mclBnG2_add(z: number, x: number, y: number): void
  _mclBnG1_dbl(y: number, x: number): void
  _mclBnG2_dbl(y: number, x: number): void
  _mclBn_millerLoopVec(f: number, xs: number, ys: number, n: number): void
}

type StackHelpers = {
  mod: unknown
  stackSave(): number
  stackRestore(position: number): void
  stackAlloc(bytes: number): number
  getMemory(): { buffer: ArrayBuffer }
  sallocCopy(words: Uint32Array): number
  sallocArray(words: Uint32Array[]): number
  copyFromHeap32(words: Uint32Array, position: number): void
}

export type Native = { exports: NativeExports; core: StackHelpers }

let cachedFor: unknown
let cachedNative: Native | undefined

/** mcl-wasm's internal module, or undefined when its internals do not have the expected shape. */
export function getNative(): Native | undefined {
  const core = mclCore as unknown as Partial<StackHelpers>
  if (core.mod === cachedFor) return cachedNative
  cachedFor = core.mod
  const exports = core.mod as Partial<NativeExports> | undefined
  const usable =
    typeof exports?._mclBnG1_add === 'function' &&
    typeof exports._mclBnG1_setStr === 'function' &&
    typeof exports._mclBnG2_add === 'function' &&
    typeof exports._mclBnG1_dbl === 'function' &&
    typeof exports._mclBnG2_dbl === 'function' &&
    typeof exports._mclBn_millerLoopVec === 'function' &&
    typeof core.stackSave === 'function' &&
    typeof core.stackRestore === 'function' &&
    typeof core.stackAlloc === 'function' &&
    typeof core.getMemory === 'function' &&
    typeof core.sallocCopy === 'function' &&
    typeof core.sallocArray === 'function' &&
    typeof core.copyFromHeap32 === 'function'
  cachedNative = usable ? { exports: exports as NativeExports, core: core as StackHelpers } : undefined
  return cachedNative
}

/** The words of an mcl value (mcl-wasm keeps each value in a JavaScript Uint32Array named `a_`). */
export function words(value: mcl.G1 | mcl.G2 | mcl.GT): Uint32Array {
  return (value as unknown as { a_: Uint32Array }).a_
}

function sumNative<T extends mcl.G1 | mcl.G2>(
  native: Native,
  points: readonly T[],
  zero: T,
  add: (z: number, x: number, y: number) => void,
): T {
  const { core } = native
  const acc = words(zero)
  const size = acc.length * 4
  for (let start = 0; start < points.length; start += CHUNK) {
    const chunk = points.slice(start, start + CHUNK)
    const stack = core.stackSave()
    try {
      const accPosition = core.sallocCopy(acc)
      const base = core.sallocArray(chunk.map(words))
      for (let i = 0; i < chunk.length; i++) add(accPosition, accPosition, base + i * size)
      core.copyFromHeap32(acc, accPosition)
    } finally {
      core.stackRestore(stack)
    }
  }
  return zero
}

/** Σ points in G1 (the point at infinity for an empty list). */
export function sumG1Mcl(points: readonly mcl.G1[]): mcl.G1 {
  getBn254Runtime()
  const native = getNative()
  if (native) return sumNative(native, points, new mcl.G1(), native.exports._mclBnG1_add)
  let acc = new mcl.G1()
  for (const p of points) acc = mcl.add(acc, p)
  return acc
}

/** Σ points in G2 (the point at infinity for an empty list). */
export function sumG2Mcl(points: readonly mcl.G2[]): mcl.G2 {
  getBn254Runtime()
  const native = getNative()
  if (native) return sumNative(native, points, new mcl.G2(), native.exports._mclBnG2_add)
  let acc = new mcl.G2()
  for (const p of points) acc = mcl.add(acc, p)
  return acc
}

const encoder = new TextEncoder()
/** "1 <x hex> <y hex>" is at most 131 bytes. */
const G1_TEXT_BYTES = 160

/**
 * Σ of G1 points given as bigints, each parsed straight into wasm memory and added there: no mcl.G1 object per
 * point, which makes summing a thousand fresh signatures about twice as fast as converting them first.
 * Coordinates must already be checked to lie in [0, p) (validation.ts); (0, 0) is infinity and skipped. mcl checks
 * the curve equation while parsing: the result names the first point it refused instead of a sum.
 */
export function sumG1Affine(points: readonly G1Point[]): { sum: mcl.G1 } | { offCurve: number } {
  getBn254Runtime()
  const native = getNative()
  const zero = new mcl.G1()
  if (!native) {
    let acc = zero
    for (let i = 0; i < points.length; i++) {
      try {
        acc = mcl.add(acc, g1ToMclUnchecked(points[i] as G1Point))
      } catch {
        return { offCurve: i }
      }
    }
    return { sum: acc }
  }
  const { core, exports } = native
  const stack = core.stackSave()
  try {
    const acc = core.sallocCopy(words(zero))
    const point = core.stackAlloc(words(zero).length * 4)
    const text = core.stackAlloc(G1_TEXT_BYTES)
    for (let i = 0; i < points.length; i++) {
      const p = points[i] as G1Point
      if (p.x === 0n && p.y === 0n) continue
      const { written } = encoder.encodeInto(
        `1 ${p.x.toString(16)} ${p.y.toString(16)}`,
        new Uint8Array(core.getMemory().buffer, text, G1_TEXT_BYTES),
      )
      if (exports._mclBnG1_setStr(point, text, written, 16) !== 0) return { offCurve: i }
      exports._mclBnG1_add(acc, acc, point)
    }
    core.copyFromHeap32(words(zero), acc)
    return { sum: zero }
  } finally {
    core.stackRestore(stack)
  }
}

/** Π millerLoop(g1s[i], g2s[i]): the part of a multi-pairing before the one final exponentiation. */
export function millerLoopProduct(g1s: readonly mcl.G1[], g2s: readonly mcl.G2[]): mcl.GT {
  getBn254Runtime()
  if (g1s.length !== g2s.length || g1s.length === 0) {
    throw new InvalidInputError(
      `millerLoopProduct: expected equal, non-zero numbers of G1 and G2 points, got ${g1s.length} and ${g2s.length}`,
    )
  }
  const native = getNative()
  let acc: mcl.GT | undefined
  for (let start = 0; start < g1s.length; start += CHUNK) {
    const xs = g1s.slice(start, start + CHUNK)
    const ys = g2s.slice(start, start + CHUNK)
    let part: mcl.GT
    if (native) {
      const { core } = native
      part = new mcl.GT()
      const stack = core.stackSave()
      try {
        const f = core.sallocCopy(words(part))
        native.exports._mclBn_millerLoopVec(
          f,
          core.sallocArray(xs.map(words)),
          core.sallocArray(ys.map(words)),
          xs.length,
        )
        core.copyFromHeap32(words(part), f)
      } finally {
        core.stackRestore(stack)
      }
    } else {
      part = xs.reduce<mcl.GT | undefined>((f, x, i) => {
        const loop = mcl.millerLoop(x, ys[i] as mcl.G2)
        return f === undefined ? loop : mcl.mul(f, loop)
      }, undefined) as mcl.GT
    }
    acc = acc === undefined ? part : mcl.mul(acc, part)
  }
  return acc as mcl.GT
}

/**
 * Whether Π e(g1s[i], g2s[i]) = 1 in GT: the question the EVM pairing precompile (0x08) answers. One Miller loop
 * per pair, one final exponentiation for the whole product.
 */
export function pairingProductIsOne(g1s: readonly mcl.G1[], g2s: readonly mcl.G2[]): boolean {
  return mcl.finalExp(millerLoopProduct(g1s, g2s)).isOne()
}
