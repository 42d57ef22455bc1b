/**
 * Readers of ABI-encoded values (Solidity ABI spec, "Formal Specification of the Encoding"), specialised to one
 * parameter type at build time and reading the hex string the node sent, without converting it to bytes.
 *
 * Positions are character indexes into that string ("0x" included). An encoding is a head of 32-byte slots, one
 * per value (a static value inline, a dynamic one as an offset), followed by the tails of the dynamic values;
 * offsets count bytes from the start of the enclosing encoding (`base`), so a tail starts at `base + 2·offset`.
 * Static reads stay inside bounds the caller checked once (the head's size); every offset and length read from the
 * data is checked before it is followed, so a malformed log fails with `AbiDataError`, never a silent wrong value.
 *
 * Values have the shapes viem's `decodeAbiParameters` gives (cross-checked by property tests): `uint`/`int` up to
 * 48 bits as `number`, wider as `bigint`; `bytesN` and `bytes` as lowercase hex; `string` as UTF-8 (invalid
 * sequences replaced, as `TextDecoder` does); tuples as an object when every component has a name, an array
 * otherwise. Addresses are lowercase unless `checksumAddresses` is set (EIP-55 costs a keccak per address; a
 * bounded cache makes repeated addresses cheap).
 */
import { type AbiParameter, getAddress } from 'viem'
import { BaseError } from '../../core/errors.js'

/** Reads the value whose head slot starts at `pos`, in an encoding that starts at `base`. */
export type ValueReader = (hex: string, pos: number, base: number) => unknown

export type AbiValueReader = {
  /** True when the value lives in a tail and its head slot holds an offset. */
  dynamic: boolean
  /** Characters the value takes in the head: 64 for a dynamic value, its whole encoding for a static one. */
  headChars: number
  read: ValueReader
}

export type AbiValueReaderOptions = {
  /** Return EIP-55 checksummed addresses (as viem does) instead of lowercase ones. */
  checksumAddresses?: boolean | undefined
}

/** The ABI type cannot be decoded by the specialised readers (fixed-point, function, or not an ABI type). */
export class UnsupportedAbiTypeError extends BaseError {
  override name = 'UnsupportedAbiTypeError'
  constructor(type: string, reason: string) {
    super(`Cannot build a decoder for ABI type \`${type}\`: ${reason}.`, {
      metaMessages: ['Supported: uint<M>/int<M>, address, bool, bytes<M>, bytes, string, arrays and tuples of those.'],
    })
  }
}

/** The data does not hold a valid encoding (an offset or length points outside it, a non-hex digit). */
export class AbiDataError extends Error {
  override name = 'AbiDataError'
}

const SLOT = 64
const zeroPrefix = '0'.repeat(SLOT - 12)
/** Hex digit values by character code, -1 for anything else. */
const hexDigits = new Int8Array(128).fill(-1)
for (let i = 0; i < 16; i++) {
  hexDigits[i.toString(16).charCodeAt(0)] = i
  hexDigits[i.toString(16).toUpperCase().charCodeAt(0)] = i
}
const utf8 = new TextDecoder()

/** Builds the reader for `param` (its `type`, and `components` for tuples). */
export function createAbiValueReader(param: AbiParameter, options: AbiValueReaderOptions = {}): AbiValueReader {
  const { type } = param
  const array = /^(.*)\[(\d*)\]$/.exec(type)
  if (array) {
    const element = createAbiValueReader({ ...param, type: array[1]! } as AbiParameter, options)
    return array[2] === '' ? dynamicArrayReader(element) : fixedArrayReader(element, Number(array[2]))
  }
  if (type === 'tuple') {
    const components = 'components' in param ? param.components : []
    return tupleReader(
      components.map((component) => createAbiValueReader(component, options)),
      components.every((component) => component.name) && components.length > 0
        ? components.map((component) => component.name!)
        : undefined,
    )
  }
  if (type === 'address') return staticReader(options.checksumAddresses ? checksumAddressReader() : readAddress)
  if (type === 'bool') return staticReader(readBool)
  if (type === 'string') return tailReader(readStringTail)
  if (type === 'bytes') return tailReader(readBytesTail)
  const fixedBytes = /^bytes(\d+)$/.exec(type)
  if (fixedBytes) {
    const size = Number(fixedBytes[1])
    if (size < 1 || size > 32) throw new UnsupportedAbiTypeError(type, 'bytes<M> needs 1 ≤ M ≤ 32')
    const chars = size * 2
    return staticReader((hex, pos) => `0x${hex.slice(pos, pos + chars)}`)
  }
  const integer = /^(u?)int(\d*)$/.exec(type)
  if (integer) {
    const bits = integer[2] === '' ? 256 : Number(integer[2])
    if (bits < 8 || bits > 256 || bits % 8 !== 0) {
      throw new UnsupportedAbiTypeError(type, 'int<M> needs M a multiple of 8 from 8 to 256')
    }
    return staticReader(integerReader(bits, integer[1] === ''))
  }
  if (/^u?fixed/.test(type)) throw new UnsupportedAbiTypeError(type, 'fixed-point types have no decoder here')
  if (type === 'function') throw new UnsupportedAbiTypeError(type, 'function pointers have no decoder here')
  throw new UnsupportedAbiTypeError(type, 'not an ABI type')
}

/** Reads an offset or a length: a word that must hold a small number and lie inside the data. */
export function readSize(hex: string, pos: number): number {
  if (pos + SLOT > hex.length) throw new AbiDataError(`a length or offset at ${pos} lies past the end of the data`)
  if (!underTwoTo48(hex, pos)) throw new AbiDataError(`a length or offset at ${pos} is too large`)
  return hexNumber(hex, pos + SLOT - 12, pos + SLOT)
}

/**
 * Whether the word at `pos` holds a value under 2^48: its first 52 digits are zeros. Compared as a slice (a
 * memory comparison) rather than with `startsWith`, which measured 100–300 ns a call here against ~60, the more
 * on a string that is itself a slice, as `scanLogsAnswer`'s are.
 */
function underTwoTo48(hex: string, pos: number): boolean {
  return hex.slice(pos, pos + SLOT - 12) === zeroPrefix
}

/**
 * The value of the hex digits `hex[start…end)`, at most 13 of them (exact in a double). Read digit by digit: no
 * string to build, and, unlike `parseInt`, a non-hex digit is an error instead of the end of the number.
 */
function hexNumber(hex: string, start: number, end: number): number {
  let value = 0
  for (let i = start; i < end; i++) {
    const c = hex.charCodeAt(i)
    const digit = c < 128 ? (hexDigits[c] as number) : -1
    if (digit < 0) throw new AbiDataError(`the data holds a non-hex digit at ${i}`)
    value = value * 16 + digit
  }
  return value
}

function staticReader(read: ValueReader): AbiValueReader {
  return { dynamic: false, headChars: SLOT, read }
}

/** A dynamic value: follow the offset in the head slot, then read the tail at the resulting position. */
function tailReader(readTail: (hex: string, start: number) => unknown): AbiValueReader {
  return { dynamic: true, headChars: SLOT, read: (hex, pos, base) => readTail(hex, tailStart(hex, pos, base)) }
}

function tailStart(hex: string, pos: number, base: number): number {
  const start = base + 2 * readSize(hex, pos)
  if (start > hex.length) throw new AbiDataError(`an offset at ${pos} points past the end of the data`)
  return start
}

function readAddress(hex: string, pos: number): string {
  return `0x${hex.slice(pos + 24, pos + SLOT)}`
}

function checksumAddressReader(): ValueReader {
  const cache = new Map<string, string>()
  return (hex, pos) => {
    const lower = readAddress(hex, pos)
    let checksummed = cache.get(lower)
    if (checksummed === undefined) {
      if (cache.size >= 10_000) cache.clear()
      checksummed = getAddress(lower)
      cache.set(lower, checksummed)
    }
    return checksummed
  }
}

function readBool(hex: string, pos: number): boolean {
  // '0' is char code 48: a bool's word is 0 or 1, so its last digit decides.
  return hex.charCodeAt(pos + SLOT - 1) !== 48
}

function integerReader(bits: number, signed: boolean): ValueReader {
  const chars = bits / 4
  const skip = SLOT - chars
  if (bits <= 48) {
    const full = 2 ** bits
    const half = full / 2
    return signed
      ? (hex, pos) => {
          const value = hexNumber(hex, pos + skip, pos + SLOT)
          return value >= half ? value - full : value
        }
      : (hex, pos) => hexNumber(hex, pos + skip, pos + SLOT)
  }
  const full = 1n << BigInt(bits)
  const half = full >> 1n
  if (signed) {
    return (hex, pos) => {
      const value = BigInt(`0x${hex.slice(pos + skip, pos + SLOT)}`)
      return value >= half ? value - full : value
    }
  }
  // Most values of wide types are small (ids, counts, amounts of a few tokens). Up to 96 bits the value is read as
  // two numbers (the digits above the last 12, and those 12), without building and parsing a hex literal; wider
  // values under 2^48 are found by their leading zeros.
  if (chars <= 24) {
    return (hex, pos) => {
      const high = hexNumber(hex, pos + skip, pos + SLOT - 12)
      const low = BigInt(hexNumber(hex, pos + SLOT - 12, pos + SLOT))
      return high === 0 ? low : (BigInt(high) << 48n) | low
    }
  }
  return (hex, pos) =>
    underTwoTo48(hex, pos)
      ? BigInt(hexNumber(hex, pos + SLOT - 12, pos + SLOT))
      : BigInt(`0x${hex.slice(pos + skip, pos + SLOT)}`)
}

function readBytesTail(hex: string, start: number): string {
  const end = start + SLOT + 2 * readSize(hex, start)
  if (end > hex.length) throw new AbiDataError(`bytes at ${start} run past the end of the data`)
  return `0x${hex.slice(start + SLOT, end)}`
}

function readStringTail(hex: string, start: number): string {
  const end = start + SLOT + 2 * readSize(hex, start)
  if (end > hex.length) throw new AbiDataError(`a string at ${start} runs past the end of the data`)
  return end === start + SLOT ? '' : utf8.decode(Buffer.from(hex.slice(start + SLOT, end), 'hex'))
}

function dynamicArrayReader(element: AbiValueReader): AbiValueReader {
  const { headChars, read } = element
  return tailReader((hex, start) => {
    const length = readSize(hex, start)
    const elements = start + SLOT
    if (elements + length * headChars > hex.length) {
      throw new AbiDataError(`an array of ${length} at ${start} runs past the end of the data`)
    }
    const values = new Array<unknown>(length)
    for (let i = 0; i < length; i++) values[i] = read(hex, elements + i * headChars, elements)
    return values
  })
}

function fixedArrayReader(element: AbiValueReader, length: number): AbiValueReader {
  const { headChars, read } = element
  if (element.dynamic) {
    return tailReader((hex, start) => {
      if (start + length * SLOT > hex.length) throw new AbiDataError(`an array at ${start} runs past the data`)
      const values = new Array<unknown>(length)
      for (let i = 0; i < length; i++) values[i] = read(hex, start + i * SLOT, start)
      return values
    })
  }
  return {
    dynamic: false,
    headChars: length * headChars,
    read: (hex, pos, base) => {
      const values = new Array<unknown>(length)
      for (let i = 0; i < length; i++) values[i] = read(hex, pos + i * headChars, base)
      return values
    },
  }
}

function tupleReader(components: readonly AbiValueReader[], names: readonly string[] | undefined): AbiValueReader {
  const offsets: number[] = []
  let headChars = 0
  for (const component of components) {
    offsets.push(headChars)
    headChars += component.headChars
  }
  const reads = components.map((component) => component.read)
  const count = reads.length
  const readAt = (hex: string, pos: number, base: number) => {
    if (names === undefined) {
      const values = new Array<unknown>(count)
      for (let i = 0; i < count; i++) values[i] = reads[i]!(hex, pos + offsets[i]!, base)
      return values
    }
    const value: Record<string, unknown> = {}
    for (let i = 0; i < count; i++) value[names[i]!] = reads[i]!(hex, pos + offsets[i]!, base)
    return value
  }
  if (components.some((component) => component.dynamic)) {
    // A dynamic tuple's components are encoded as their own head and tails, offsets relative to its start.
    return tailReader((hex, start) => {
      if (start + headChars > hex.length) throw new AbiDataError(`a tuple at ${start} runs past the end of the data`)
      return readAt(hex, start, start)
    })
  }
  return { dynamic: false, headChars, read: readAt }
}
