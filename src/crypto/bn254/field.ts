/**
 * The two prime fields of BN254 (alt_bn128, the curve behind the EVM precompiles 0x06–0x08 of EIP-196/197),
 * as plain bigints.
 *
 * - `BN254_P` is the base field: point coordinates live in F_p (G1) or F_p² (G2).
 * - `BN254_R` is the scalar field: the prime order of G1, G2 and GT. Private keys and every scalar
 *   (γ of the on-chain checks, batch-verification weights) live in F_r.
 *
 * The bigint helpers here are the reference arithmetic used at the boundary (input checks, γ, tests); the hot
 * paths run in mcl's WebAssembly field code instead.
 */
import { InvalidInputError } from '../../core/errors.js'

/** Base field modulus p (EIP-196; `BN254.FP_MODULUS` in eigenlayer-middleware). */
export const BN254_P = 21888242871839275222246405745257275088696311157297823662689037894645226208583n

/** Group order r, the scalar field modulus (EIP-196; `BN254.FR_MODULUS` in eigenlayer-middleware). */
export const BN254_R = 21888242871839275222246405745257275088548364400416034343698204186575808495617n

/**
 * (p + 1) / 4. Because p ≡ 3 (mod 4), β^((p+1)/4) squares to β whenever β is a quadratic residue
 * (Euler's criterion: β^((p-1)/2) = 1, so (β^((p+1)/4))² = β · β^((p-1)/2) = β). It is the exponent the
 * Solidity `BN254.findYFromX` passes to the modexp precompile (0xc19139cb…3f52).
 */
export const BN254_SQRT_EXPONENT = (BN254_P + 1n) / 4n

const MAX_UINT256 = (1n << 256n) - 1n

/** a mod m in [0, m), also for negative a. */
export function mod(a: bigint, m: bigint): bigint {
  const result = a % m
  return result < 0n ? result + m : result
}

/** base^exponent mod m by square-and-multiply. Reference arithmetic only: not constant time, not fast. */
export function powMod(base: bigint, exponent: bigint, m: bigint): bigint {
  let result = 1n
  let b = mod(base, m)
  let e = exponent
  while (e > 0n) {
    if (e & 1n) result = (result * b) % m
    b = (b * b) % m
    e >>= 1n
  }
  return result
}

/** 32-byte big-endian encoding of a uint256 (the EVM word). */
export function uint256ToBytes(value: bigint): Uint8Array {
  if (value < 0n || value > MAX_UINT256) throw new InvalidInputError(`expected uint256, got ${value}`)
  const bytes = new Uint8Array(32)
  let v = value
  for (let i = 31; i >= 0 && v > 0n; i--) {
    bytes[i] = Number(v & 0xffn)
    v >>= 8n
  }
  return bytes
}

/** Big-endian bytes to bigint. */
export function bytesToUint(bytes: Uint8Array): bigint {
  let hex = ''
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0')
  return hex === '' ? 0n : BigInt(`0x${hex}`)
}

const decimalPattern = /^(0|[1-9][0-9]*)$/
const hexPattern = /^0[xX][0-9a-fA-F]+$/

/**
 * Parses an unsigned integer written as decimal (`"12"`) or 0x-hex (`"0x0c"`), as JSON files and CLI flags carry
 * them. Throws InvalidInputError naming `label` on anything else (signs, spaces, exponents, empty text, > 2²⁵⁶).
 * The offending text is only echoed when `echo` is true, so secrets can be parsed with it too.
 */
export function parseUintString(text: unknown, label: string, options: { echo?: boolean } = {}): bigint {
  const echo = options.echo ?? true
  if (typeof text !== 'string')
    throw new InvalidInputError(`${label}: expected decimal or 0x-hex string, got ${describeType(text)}`)
  if (!decimalPattern.test(text) && !hexPattern.test(text)) {
    const got = echo
      ? JSON.stringify(text.length > 90 ? `${text.slice(0, 90)}…` : text)
      : `malformed text (${text.length} characters)`
    throw new InvalidInputError(`${label}: expected decimal or 0x-hex string, got ${got}`)
  }
  if (text.length > 80) {
    throw new InvalidInputError(`${label}: expected an integer of at most 256 bits, got ${text.length} characters`)
  }
  const value = BigInt(text)
  if (value > MAX_UINT256)
    throw new InvalidInputError(`${label}: expected an integer of at most 256 bits, got a larger one`)
  return value
}

/** A short description of a value's type for "expected X, got Y" messages. */
export function describeType(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return `array of length ${value.length}`
  if (value instanceof Uint8Array) return `Uint8Array of length ${value.length}`
  return typeof value
}
