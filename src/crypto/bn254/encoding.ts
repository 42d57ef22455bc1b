/**
 * Encodings of BN254 points outside the process.
 *
 * - JSON (files, HTTP, CLI): decimal strings, `{"x":"…","y":"…"}` for G1 and
 *   `{"x":[x_imag,x_real],"y":[y_imag,y_real]}` for G2, the contract order. Readers also accept 0x-hex strings.
 * - Solidity structs (`BN254.G1Point{X, Y}`, `BN254.G2Point{X[2], Y[2]}` of eigenlayer-middleware) as viem
 *   passes and returns them: `{ X, Y }` with the same [imaginary, real] pairs.
 * - Raw bytes: 32-byte big-endian words, the layout of `abi.encodePacked` and of the precompiles' input.
 */
import { bytesToHex } from 'viem'
import { InvalidInputError } from '../../core/errors.js'
import { describeType, parseUintString, uint256ToBytes } from './field.js'
import type { G1Point, G2Point } from './points.js'
import { type AssertPointOptions, assertG1, assertG2 } from './validation.js'

export type G1Json = { x: string; y: string }
export type G2Json = { x: readonly [string, string]; y: readonly [string, string] }

/** `BN254.G1Point` as viem encodes and decodes it. */
export type G1Struct = { X: bigint; Y: bigint }
/** `BN254.G2Point` as viem encodes and decodes it: X and Y are [imaginary, real]. */
export type G2Struct = { X: readonly [bigint, bigint]; Y: readonly [bigint, bigint] }

export function g1ToJson(p: G1Point): G1Json {
  return { x: p.x.toString(), y: p.y.toString() }
}

export function g2ToJson(p: G2Point): G2Json {
  return { x: [p.x[0].toString(), p.x[1].toString()], y: [p.y[0].toString(), p.y[1].toString()] }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function readPair(value: unknown, label: string): readonly [bigint, bigint] {
  if (!Array.isArray(value) || value.length !== 2) {
    throw new InvalidInputError(`${label}: expected [imaginary, real] array of 2 strings, got ${describeType(value)}`)
  }
  return [parseUintString(value[0], `${label}[0]`), parseUintString(value[1], `${label}[1]`)]
}

/**
 * Reads a G1 point from parsed JSON `{"x": "…", "y": "…"}` (decimal or 0x-hex strings) and checks it is on the
 * curve. InvalidInputError naming `label` and the faulty part otherwise.
 *
 * @example
 * g1FromJson(JSON.parse(body).signature, 'signature')
 */
export function g1FromJson(json: unknown, label = 'G1 point', options: AssertPointOptions = {}): G1Point {
  if (!isRecord(json)) throw new InvalidInputError(`${label}: expected object {"x","y"}, got ${describeType(json)}`)
  const point = { x: parseUintString(json.x, `${label}.x`), y: parseUintString(json.y, `${label}.y`) }
  assertG1(point, label, options)
  return point
}

/**
 * Reads a G2 point from parsed JSON `{"x": [imag, real], "y": [imag, real]}` and checks it is on the twist and in
 * the order-r subgroup. InvalidInputError naming `label` and the faulty part otherwise.
 */
export function g2FromJson(json: unknown, label = 'G2 point', options: AssertPointOptions = {}): G2Point {
  if (!isRecord(json)) {
    throw new InvalidInputError(
      `${label}: expected object {"x":[imag,real],"y":[imag,real]}, got ${describeType(json)}`,
    )
  }
  const point = { x: readPair(json.x, `${label}.x`), y: readPair(json.y, `${label}.y`) }
  assertG2(point, label, options)
  return point
}

export function g1ToStruct(p: G1Point): G1Struct {
  return { X: p.x, Y: p.y }
}

export function g2ToStruct(p: G2Point): G2Struct {
  return { X: [p.x[0], p.x[1]], Y: [p.y[0], p.y[1]] }
}

/** A G1 point from a struct read on chain; checked like any other input. */
export function g1FromStruct(s: G1Struct, label = 'G1 point', options: AssertPointOptions = {}): G1Point {
  const point = { x: s.X, y: s.Y }
  assertG1(point, label, options)
  return point
}

/** A G2 point from a struct read on chain; checked like any other input. */
export function g2FromStruct(s: G2Struct, label = 'G2 point', options: AssertPointOptions = {}): G2Point {
  const point = { x: [s.X[0], s.X[1]] as const, y: [s.Y[0], s.Y[1]] as const }
  assertG2(point, label, options)
  return point
}

/** X ‖ Y, 32 bytes big-endian each (64 bytes): the preimage of the operator id. */
export function g1ToBytes(p: G1Point): Uint8Array {
  const bytes = new Uint8Array(64)
  bytes.set(uint256ToBytes(p.x), 0)
  bytes.set(uint256ToBytes(p.y), 32)
  return bytes
}

/** X[0] ‖ X[1] ‖ Y[0] ‖ Y[1] (imaginary before real), 32 bytes each (128 bytes). */
export function g2ToBytes(p: G2Point): Uint8Array {
  const bytes = new Uint8Array(128)
  bytes.set(uint256ToBytes(p.x[0]), 0)
  bytes.set(uint256ToBytes(p.x[1]), 32)
  bytes.set(uint256ToBytes(p.y[0]), 64)
  bytes.set(uint256ToBytes(p.y[1]), 96)
  return bytes
}

/**
 * Input of the EVM pairing precompile at address 0x08 (EIP-197): per pair, G1 x, y then G2 x_imag, x_real,
 * y_imag, y_real, 32 bytes each (192 bytes per pair). The precompile returns the 32-byte word 1 when
 * Π e(g1ᵢ, g2ᵢ) = 1 and 0 otherwise.
 */
export function pairingPrecompileInput(pairs: readonly (readonly [G1Point, G2Point])[]): `0x${string}` {
  const bytes = new Uint8Array(192 * pairs.length)
  pairs.forEach(([a, b], i) => {
    bytes.set(g1ToBytes(a), 192 * i)
    bytes.set(g2ToBytes(b), 192 * i + 64)
  })
  return bytesToHex(bytes)
}
