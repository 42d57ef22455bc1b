/**
 * Typed reads of untrusted keystore JSON. Every failure names the keystore and the dotted field
 * (`crypto.kdfparams.salt`) and says what was expected, without echoing the value itself.
 */
import { describeJsonValue, InvalidKeystoreError } from './keystoreErrors.js'

export type JsonObject = { readonly [key: string]: unknown }

export type KeystoreJsonReader = {
  readonly source: string
  object(value: unknown, field: string): JsonObject
  string(value: unknown, field: string): string
  /** Hex with or without `0x`; `bytes` fixes the decoded length. */
  hex(value: unknown, field: string, options?: { bytes?: number }): Uint8Array
  integer(value: unknown, field: string, range: { min: number; max: number }): number
  oneOf<const T extends string>(value: unknown, field: string, allowed: readonly T[]): T
}

const hexPattern = /^(?:0x)?((?:[0-9a-fA-F]{2})*)$/

/** Parses keystore text as a JSON object; a syntax error names the source. */
export function parseKeystoreText(text: string, source: string): JsonObject {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (err) {
    throw new InvalidKeystoreError(source, 'is not valid JSON', {
      details: err instanceof Error ? err.message : undefined,
    })
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidKeystoreError(source, `expected a JSON object, got ${describeJsonValue(value)}`)
  }
  return value as JsonObject
}

export function createKeystoreJsonReader(source: string): KeystoreJsonReader {
  const fail = (field: string, expected: string, value: unknown): never => {
    throw new InvalidKeystoreError(source, `expected ${expected}, got ${describeJsonValue(value)}`, { field })
  }
  return {
    source,
    object(value, field) {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) return fail(field, 'an object', value)
      return value as JsonObject
    },
    string(value, field) {
      if (typeof value !== 'string') return fail(field, 'a string', value)
      return value
    },
    hex(value, field, options = {}) {
      const expected =
        options.bytes === undefined
          ? 'a hex string'
          : `a hex string of ${options.bytes} bytes (${options.bytes * 2} digits)`
      if (typeof value !== 'string') return fail(field, expected, value)
      const match = hexPattern.exec(value)
      if (!match) return fail(field, expected, value)
      const bytes = Buffer.from(match[1] ?? '', 'hex')
      if (options.bytes !== undefined && bytes.length !== options.bytes) return fail(field, expected, value)
      return new Uint8Array(bytes)
    },
    integer(value, field, range) {
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < range.min || value > range.max) {
        return fail(field, `an integer from ${range.min} to ${range.max}`, value)
      }
      return value
    },
    oneOf(value, field, allowed) {
      if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value.toLowerCase())) {
        const shown = typeof value === 'string' && value.length <= 32 ? `"${value}"` : describeJsonValue(value)
        throw new InvalidKeystoreError(
          source,
          `expected one of ${allowed.map((a) => `"${a}"`).join(', ')}, got ${shown}`,
          {
            field,
          },
        )
      }
      return value.toLowerCase() as (typeof allowed)[number]
    },
  }
}
