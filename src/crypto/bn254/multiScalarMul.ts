/**
 * Multi-scalar multiplication Σ kᵢ·Pᵢ in G1 or G2.
 *
 * mcl's own mulVec is tuned for full 254-bit scalars. Many scalars here are short: the 64-bit random weights of
 * batch verification, or the small multiplicities of a certificate (an operator in k quorums counts k times).
 * For those, the bucket method (Pippenger) on wasm pointers is faster: split each scalar into windows of c bits;
 * per window, add each point into the bucket of its digit (one addition per point), sum bucket j with weight j
 * through two running sums (2·2^c additions), and shift the accumulator by c doublings. Cost:
 * ⌈bits / c⌉ · (n + 2^(c+1)) additions, with c chosen to minimise it; for 1000 points and 64-bit scalars about
 * 12 000 additions. For a few points with long scalars mcl's mulVec stays faster and is used.
 *
 * Points are processed in chunks so the copies stay well inside mcl's 1 MiB wasm stack.
 */
import * as mcl from 'mcl-wasm'
import { InvalidInputError } from '../../core/errors.js'
import { frFromBigint } from './mclPoints.js'
import { getBn254Runtime } from './runtime.js'
import { getNative, type Native, words } from './wasmVectors.js'

/** Points per bucket-method chunk: 1024 G2 points are 288 KiB, buckets at most 147 KiB. */
const BUCKET_CHUNK = 1024
/** Points per mcl.mulVec call (mcl copies them to its stack too). */
const MULVEC_CHUNK = 256
const MAX_WINDOW = 9

/**
 * Σ scalars[i]·points[i] (scalars as mcl Fr). InvalidInputError when the lists are empty or differ in length.
 *
 * @example
 * const apkG2 = mulVecMcl(keys, multiplicities) // Σ kᵢ·pkᵢ
 */
export function mulVecMcl<T extends mcl.G1 | mcl.G2>(points: readonly T[], scalars: readonly mcl.Fr[]): T {
  assertLengths(points.length, scalars.length)
  return mulVecBigint(
    points,
    scalars.map((k) => BigInt(`0x${k.getStr(16)}`)),
    scalars,
  )
}

/**
 * Σ scalars[i]·points[i] with scalars as bigints in [0, r): the bucket method when they are short enough for it
 * to win, mcl.mulVec otherwise. `frs`, when given, are the same scalars in mcl form (saves converting them).
 */
export function mulVecBigint<T extends mcl.G1 | mcl.G2>(
  points: readonly T[],
  scalars: readonly bigint[],
  frs?: readonly mcl.Fr[],
): T {
  getBn254Runtime()
  assertLengths(points.length, scalars.length)
  let max = 0n
  for (const k of scalars) if (k > max) max = k
  const bits = Math.max(1, max.toString(2).length)
  const native = getNative()
  if (native && bits <= 64 && (bits <= 16 || points.length >= 128)) return bucketMulVec(native, points, scalars, bits)
  const fr = frs ?? scalars.map(frFromBigint)
  let acc: T | undefined
  for (let start = 0; start < points.length; start += MULVEC_CHUNK) {
    const part = mcl.mulVec(points.slice(start, start + MULVEC_CHUNK), fr.slice(start, start + MULVEC_CHUNK))
    acc = acc === undefined ? part : (mcl.add(acc, part) as T)
  }
  return acc as T
}

function assertLengths(points: number, scalars: number): void {
  if (points === 0) throw new InvalidInputError('mulVec: expected at least one point, got an empty array')
  if (points !== scalars) {
    throw new InvalidInputError(`mulVec: expected as many scalars as points, got ${scalars} for ${points}`)
  }
}

/** The window size c that minimises ⌈bits / c⌉ · (n + 2^(c+1)). */
export function bucketWindowBits(n: number, bits: number): number {
  let best = 1
  let bestCost = Number.POSITIVE_INFINITY
  for (let c = 1; c <= Math.min(MAX_WINDOW, bits); c++) {
    const cost = Math.ceil(bits / c) * (n + 2 ** (c + 1))
    if (cost < bestCost) {
      best = c
      bestCost = cost
    }
  }
  return best
}

type Ops = { add(z: number, x: number, y: number): void; dbl(y: number, x: number): void }

function bucketMulVec<T extends mcl.G1 | mcl.G2>(
  native: Native,
  points: readonly T[],
  scalars: readonly bigint[],
  bits: number,
): T {
  const isG2 = points[0] instanceof mcl.G2
  const ops: Ops = isG2
    ? { add: native.exports._mclBnG2_add, dbl: native.exports._mclBnG2_dbl }
    : { add: native.exports._mclBnG1_add, dbl: native.exports._mclBnG1_dbl }
  let acc: T | undefined
  for (let start = 0; start < points.length; start += BUCKET_CHUNK) {
    const result = (isG2 ? new mcl.G2() : new mcl.G1()) as T
    const chunk = points.slice(start, start + BUCKET_CHUNK)
    bucketChunk(native, ops, result, chunk, scalars.slice(start, start + BUCKET_CHUNK), bits)
    acc = acc === undefined ? result : (mcl.add(acc, result) as T)
  }
  return acc as T
}

/** Writes Σ scalars[i]·points[i] into `result` (which must hold infinity). */
function bucketChunk(
  native: Native,
  ops: Ops,
  result: mcl.G1 | mcl.G2,
  points: readonly (mcl.G1 | mcl.G2)[],
  scalars: readonly bigint[],
  bits: number,
): void {
  const n = points.length
  const c = bucketWindowBits(n, bits)
  const mask = (1 << c) - 1
  // Scalars as two 32-bit halves, so that digits come from number arithmetic.
  const lo = new Uint32Array(n)
  const hi = new Uint32Array(n)
  scalars.forEach((k, i) => {
    lo[i] = Number(k & 0xffffffffn)
    hi[i] = Number((k >> 32n) & 0xffffffffn)
  })
  const { core } = native
  const size = words(result).length * 4
  const stack = core.stackSave()
  try {
    const acc = core.sallocCopy(words(result))
    const base = core.sallocArray(points.map(words))
    const buckets = core.stackAlloc(mask * size)
    const running = core.stackAlloc(size)
    const windowSum = core.stackAlloc(size)
    for (let w = Math.ceil(bits / c) - 1; w >= 0; w--) {
      for (let k = 0; k < c; k++) ops.dbl(acc, acc)
      // all-zero words are the point at infinity
      const heap = new Uint32Array(core.getMemory().buffer)
      heap.fill(0, buckets >> 2, (buckets + mask * size) >> 2)
      heap.fill(0, running >> 2, (running + size) >> 2)
      heap.fill(0, windowSum >> 2, (windowSum + size) >> 2)
      const shift = w * c
      for (let i = 0; i < n; i++) {
        const digit = digitAt(lo[i] as number, hi[i] as number, shift, c) & mask
        if (digit !== 0) {
          const bucket = buckets + (digit - 1) * size
          ops.add(bucket, bucket, base + i * size)
        }
      }
      // Σ j·bucket[j] = Σ_j (bucket[top] + … + bucket[j])
      for (let j = mask - 1; j >= 0; j--) {
        ops.add(running, running, buckets + j * size)
        ops.add(windowSum, windowSum, running)
      }
      ops.add(acc, acc, windowSum)
    }
    core.copyFromHeap32(words(result), acc)
  } finally {
    core.stackRestore(stack)
  }
}

/** Bits shift … shift + c − 1 of hi·2³² + lo (bits above c still to be masked). */
function digitAt(lo: number, hi: number, shift: number, c: number): number {
  if (shift >= 32) return hi >>> (shift - 32)
  if (shift + c <= 32) return lo >>> shift
  return (lo >>> shift) | (hi << (32 - shift))
}
