/**
 * The byte encoding of everything the consensus layer puts in the Raft log, its snapshots and its HTTP bodies:
 * UTF-8 JSON in which a bigint is written as `{"$bigint":"<decimal>"}` so that block numbers, task indices and
 * curve points survive the round trip exactly. Task requests and responses are the AVS's own types; any value
 * built from plain objects, arrays, strings, numbers, booleans, null and bigints round-trips.
 */
import { InvalidInputError } from '../core/errors.js'

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

/** JSON text of `value`, bigints tagged. */
export function stringifyConsensusJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? { $bigint: v.toString() } : v))
}

/** Parses text written by {@link stringifyConsensusJson}; throws `InvalidInputError` naming `what` when it is not. */
export function parseConsensusJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text, (_key, v: unknown) => {
      if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
        const keys = Object.keys(v)
        const tagged = (v as { $bigint?: unknown }).$bigint
        if (keys.length === 1 && typeof tagged === 'string' && /^-?\d{1,100}$/.test(tagged)) return BigInt(tagged)
      }
      return v
    })
  } catch (cause) {
    throw new InvalidInputError(`${what} is not valid JSON.`, { cause })
  }
}

export function encodeConsensusJson(value: unknown): Uint8Array {
  return encoder.encode(stringifyConsensusJson(value))
}

export function decodeConsensusJson(bytes: Uint8Array, what: string): unknown {
  let text: string
  try {
    text = decoder.decode(bytes)
  } catch (cause) {
    throw new InvalidInputError(`${what} is not UTF-8.`, { cause })
  }
  return parseConsensusJson(text, what)
}
