/**
 * Checks for points that arrive from outside (JSON, RPC payloads, chain data, callers), and the checked way
 * into mcl.
 *
 * - G1: coordinates in [0, p) and y² = x³ + 3. G1 has cofactor 1, so every curve point is in the order-r group.
 * - G2: coordinates in [0, p), on the twist y² = x³ + 3/(9 + i), **and** in the order-r subgroup. The twist's
 *   group has order r·h with a large cofactor h, so a point can be on the curve and still outside G2; pairing
 *   equations over such points are meaningless and the EVM precompile rejects them (EIP-197). The subgroup check
 *   costs about a G2 scalar multiplication (≈0.5 ms here), so points that passed are remembered (by coordinates,
 *   bounded) and a public key seen again costs only the conversion.
 * - The point at infinity, (0, 0) / ([0, 0], [0, 0]), is refused unless the caller passes `allowInfinity`.
 *
 * Every failure is an InvalidInputError whose message names the point (`label`), the part that is wrong and what
 * was expected.
 */
import type * as mcl from 'mcl-wasm'
import { InvalidInputError } from '../../core/errors.js'
import { BN254_P, describeType } from './field.js'
import { g1ToMclUnchecked, g2ToMclUnchecked } from './mclPoints.js'
import type { G1Point, G2Point } from './points.js'
import { getBn254Runtime } from './runtime.js'

export type AssertPointOptions = {
  /** Accept the point at infinity, (0, 0) in G1 and ([0, 0], [0, 0]) in G2. Default false. */
  allowInfinity?: boolean | undefined
}

function assertCoordinate(value: unknown, label: string): asserts value is bigint {
  if (typeof value !== 'bigint') throw new InvalidInputError(`${label}: expected bigint, got ${describeType(value)}`)
  if (value < 0n || value >= BN254_P) {
    throw new InvalidInputError(`${label}: expected a field element in [0, p), got ${value}`, {
      metaMessages: [`p = ${BN254_P}`],
    })
  }
}

function assertPair(value: unknown, label: string): asserts value is readonly [bigint, bigint] {
  if (!Array.isArray(value) || value.length !== 2) {
    throw new InvalidInputError(`${label}: expected [imaginary, real] pair, got ${describeType(value)}`)
  }
  assertCoordinate(value[0], `${label}[0] (imaginary part)`)
  assertCoordinate(value[1], `${label}[1] (real part)`)
}

/**
 * The checks of a G1 point that need no arithmetic: shape, coordinates in [0, p), the infinity policy. Returns
 * whether the point is infinity. The curve equation is left to the caller (assertG1 in bigints, or mcl while
 * parsing).
 */
export function assertG1Encoding(p: G1Point, label: string, options: AssertPointOptions = {}): boolean {
  if (typeof p !== 'object' || p === null) {
    throw new InvalidInputError(`${label}: expected { x, y }, got ${describeType(p)}`)
  }
  assertCoordinate(p.x, `${label}.x`)
  assertCoordinate(p.y, `${label}.y`)
  if (p.x !== 0n || p.y !== 0n) return false
  if (options.allowInfinity) return true
  throw new InvalidInputError(`${label}: expected a point other than infinity, got (0, 0)`)
}

/**
 * Asserts that `p` is a G1 point: bigint coordinates below p on y² = x³ + 3. Throws InvalidInputError otherwise.
 *
 * @example
 * assertG1(signature, 'signature')
 */
export function assertG1(p: G1Point, label = 'G1 point', options: AssertPointOptions = {}): void {
  if (assertG1Encoding(p, label, options)) return
  if ((p.y * p.y - p.x * p.x * p.x - 3n) % BN254_P !== 0n) {
    throw new InvalidInputError(
      `${label}: expected a point on the curve y² = x³ + 3, got (${p.x}, ${p.y}) off the curve`,
    )
  }
}

/**
 * Asserts that `p` is a G2 point: coordinates below p, on the twist, in the order-r subgroup. Throws
 * InvalidInputError otherwise. Needs `initBn254()`.
 */
export function assertG2(p: G2Point, label = 'G2 point', options: AssertPointOptions = {}): void {
  checkedG2(p, label, options)
}

/** The mcl form of a checked G1 point (see assertG1). */
export function g1ToMcl(p: G1Point, label = 'G1 point', options: AssertPointOptions = {}): mcl.G1 {
  getBn254Runtime()
  assertG1(p, label, options)
  return g1ToMclUnchecked(p)
}

/** The mcl form of a checked G2 point (see assertG2). Repeated public keys skip the subgroup check. */
export function g2ToMcl(p: G2Point, label = 'G2 point', options: AssertPointOptions = {}): mcl.G2 {
  return checkedG2(p, label, options).clone()
}

/** Validated G2 points by coordinates; Map iteration order makes the oldest entry the first to evict. */
const validG2 = new Map<string, mcl.G2>()
const VALID_G2_CACHE_SIZE = 4096

/**
 * The same, by object: callers that keep an operator set in memory pass the same G2Point objects again and again,
 * and an identity hit costs four bigint comparisons (which also catch an object mutated since).
 */
type CheckedG2 = { x0: bigint; x1: bigint; y0: bigint; y1: bigint; point: mcl.G2 }
const validG2ByObject = new WeakMap<G2Point, CheckedG2>()

function checkedG2(p: G2Point, label: string, options: AssertPointOptions): mcl.G2 {
  getBn254Runtime()
  const seen = typeof p === 'object' && p !== null ? validG2ByObject.get(p) : undefined
  if (seen && Array.isArray(p.x) && Array.isArray(p.y)) {
    if (seen.x0 === p.x[0] && seen.x1 === p.x[1] && seen.y0 === p.y[0] && seen.y1 === p.y[1]) return seen.point
  }
  if (typeof p !== 'object' || p === null) {
    throw new InvalidInputError(
      `${label}: expected { x: [imaginary, real], y: [imaginary, real] }, got ${describeType(p)}`,
    )
  }
  assertPair(p.x, `${label}.x`)
  assertPair(p.y, `${label}.y`)
  const key = `${p.x[0].toString(16)},${p.x[1].toString(16)},${p.y[0].toString(16)},${p.y[1].toString(16)}`
  const known = validG2.get(key)
  if (known) {
    remember(p, known)
    return known
  }
  if (p.x[0] === 0n && p.x[1] === 0n && p.y[0] === 0n && p.y[1] === 0n) {
    if (options.allowInfinity) return g2ToMclUnchecked(p)
    throw new InvalidInputError(`${label}: expected a point other than infinity, got ([0, 0], [0, 0])`)
  }
  let point: mcl.G2
  try {
    point = g2ToMclUnchecked(p)
  } catch {
    // With coordinates already below p, mcl refuses a G2 string only when the point is off the twist.
    throw new InvalidInputError(`${label}: expected a point on the twist curve y² = x³ + 3/(9 + i), got a point off it`)
  }
  if (!point.isValidOrder()) {
    throw new InvalidInputError(
      `${label}: expected a point in the order-r subgroup G2, got a twist point outside it (r·P ≠ infinity)`,
    )
  }
  if (validG2.size >= VALID_G2_CACHE_SIZE) {
    const oldest = validG2.keys().next().value
    if (oldest !== undefined) validG2.delete(oldest)
  }
  validG2.set(key, point)
  remember(p, point)
  return point
}

function remember(p: G2Point, point: mcl.G2): void {
  validG2ByObject.set(p, { x0: p.x[0], x1: p.x[1], y0: p.y[0], y1: p.y[1], point })
}
