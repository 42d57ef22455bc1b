/**
 * Rows in COPY's binary format (PostgreSQL docs, "COPY", Binary Format; the values as each type's `recv` function
 * reads them: `int4recv`, `int8recv`, `textrecv`, `numeric_recv`, `array_recv`). Postgres then reads each field
 * with a length in front instead of scanning text for delimiters, escapes and array syntax: for the exporter's
 * validator rows, COPY takes 0.83 of the text format's time in PGlite (`bench/exporterCopy.bench.ts`).
 *
 * All integers are big-endian. A file is the signature `PGCOPY\n\377\r\n\0`, a 32-bit flags word and a 32-bit
 * header-extension length (both 0), then per row a 16-bit field count and per field a 32-bit byte length (-1 for
 * null) and the bytes, then a 16-bit -1.
 */
import { BaseError } from '../core/errors.js'

const SIGNATURE = [0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00]
/** `numeric`'s type oid (`pg_type.dat`), which a binary array names for its elements. */
const NUMERIC_OID = 1700
const TWO_TO_32 = 2 ** 32

/**
 * Writes one COPY binary file, row by row: `row(fieldCount)`, then that many fields in column order, then
 * `finish()` for the bytes.
 *
 * @example
 * const copy = new CopyBinaryWriter()
 * copy.row(2)
 * copy.int4(7)
 * copy.text('0xab')
 * await copier('t', 'a, b', copy.finish())
 */
export class CopyBinaryWriter {
  private bytes: Buffer
  private view: DataView
  private at = 0

  constructor(capacity = 64 * 1024) {
    // Never from Buffer's shared pool: the bytes may be transferred to another thread.
    this.bytes = Buffer.allocUnsafeSlow(Math.max(capacity, 64))
    this.view = new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength)
    for (const byte of SIGNATURE) this.bytes[this.at++] = byte
    this.view.setUint32(this.at, 0)
    this.view.setUint32(this.at + 4, 0)
    this.at += 8
  }

  /** Starts a row of `fields` fields. */
  row(fields: number): void {
    this.reserve(2)
    this.view.setInt16(this.at, fields)
    this.at += 2
  }

  null(): void {
    this.reserve(4)
    this.view.setInt32(this.at, -1)
    this.at += 4
  }

  int4(value: number): void {
    if (!Number.isInteger(value) || value < -(2 ** 31) || value >= 2 ** 31) throw invalid('an int4', value)
    this.reserve(8)
    this.view.setInt32(this.at, 4)
    this.view.setInt32(this.at + 4, value)
    this.at += 8
  }

  /** A safe integer as int8. */
  int8(value: number): void {
    if (!Number.isSafeInteger(value)) throw invalid('an int8 (a safe integer)', value)
    this.reserve(12)
    this.view.setInt32(this.at, 8)
    // Two's complement in two words: the high word is floor(value / 2^32), the low word what remains.
    const high = Math.floor(value / TWO_TO_32)
    this.view.setInt32(this.at + 4, high)
    this.view.setUint32(this.at + 8, value - high * TWO_TO_32)
    this.at += 12
  }

  /** Text, as UTF-8 (the exporter's databases are UTF-8). */
  text(value: string): void {
    this.reserve(4 + value.length * 3)
    const start = this.at + 4
    const length = this.bytes.write(value, start, 'utf8')
    this.view.setInt32(this.at, length)
    this.at = start + length
  }

  /** A one-dimensional `numeric[]` of decimal integers (as `numeric(p, 0)` columns hold them). */
  numericArray(values: readonly string[]): void {
    const start = this.at
    this.reserve(24)
    this.at += 4
    this.view.setInt32(this.at, values.length === 0 ? 0 : 1)
    this.view.setInt32(this.at + 4, 0)
    this.view.setInt32(this.at + 8, NUMERIC_OID)
    this.at += 12
    if (values.length > 0) {
      this.view.setInt32(this.at, values.length)
      this.view.setInt32(this.at + 4, 1)
      this.at += 8
    }
    for (const value of values) this.numeric(value)
    this.view.setInt32(start, this.at - start - 4)
  }

  /** The file: the rows written, then the trailer. The writer is spent. */
  finish(): Uint8Array {
    this.reserve(2)
    this.view.setInt16(this.at, -1)
    this.at += 2
    return this.bytes.subarray(0, this.at)
  }

  /**
   * A decimal integer as `numeric`: digit count, weight (the power of 10,000 of the first digit), sign, display
   * scale (0), then base-10,000 digits from the most significant, without trailing zero digits.
   */
  private numeric(value: string): void {
    const negative = value.charCodeAt(0) === 45
    const from = negative ? 1 : 0
    const length = value.length - from
    if (length === 0 || (length > 1 && value.charCodeAt(from) === 48)) throw invalid('a decimal integer', value)
    // Base-10,000 digits from the most significant (the first takes what is left over from groups of four),
    // written in place; trailing zero digits are dropped afterwards.
    const groups = (length + 3) >> 2
    this.reserve(12 + groups * 2)
    const view = this.view
    const at = this.at
    let next = at + 12
    let digit = 0
    let inDigit = length % 4 || 4
    for (let i = from; i < value.length; i++) {
      const code = value.charCodeAt(i) - 48
      if (code < 0 || code > 9) throw invalid('a decimal integer', value)
      digit = digit * 10 + code
      if (--inDigit === 0) {
        view.setInt16(next, digit)
        next += 2
        digit = 0
        inDigit = 4
      }
    }
    let count = groups
    while (count > 0 && view.getInt16(at + 10 + count * 2) === 0) count--
    view.setInt32(at, 8 + count * 2)
    view.setInt16(at + 4, count)
    view.setInt16(at + 6, count === 0 ? 0 : groups - 1)
    view.setUint16(at + 8, negative && count > 0 ? 0x4000 : 0)
    view.setInt16(at + 10, 0)
    this.at = at + 12 + count * 2
  }

  private reserve(bytes: number): void {
    if (this.at + bytes <= this.bytes.length) return
    const grown = Buffer.allocUnsafeSlow(Math.max(this.bytes.length * 2, this.at + bytes))
    this.bytes.copy(grown, 0, 0, this.at)
    this.bytes = grown
    this.view = new DataView(grown.buffer, grown.byteOffset, grown.byteLength)
  }
}

function invalid(what: string, value: unknown): BaseError {
  return new BaseError(`cannot COPY ${typeof value === 'string' ? JSON.stringify(value) : String(value)} as ${what}`)
}
