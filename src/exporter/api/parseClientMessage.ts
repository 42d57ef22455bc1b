/**
 * Reading what a WebSocket client sends: one JSON object per frame, checked field by field so that each bad
 * request gets an error naming its problem (`bad request - filter.to (3) is below filter.from (5)`), in the SSV
 * exporter's error envelope. Two kinds: `/query` requests (`operator`, `validator`, `decided`) and `/stream`
 * subscriptions (`subscribe`).
 */
import type { ExporterMessageType } from '../../store/index.js'

/** A valid `/query` request: the object as sent (echoed in the answer) and what it asks for. */
export type QueryRequest = {
  request: Record<string, unknown>
  type: ExporterMessageType
  from: number
  to: number
  /** Lower-case; required for decided (the task manager), optional for operators and validators. */
  publicKey: string | undefined
  role: string | undefined
}

/** A valid `/stream` subscription. */
export type SubscribeRequest = {
  /** Replay the stored messages after this seq first; live only when absent. */
  cursor: bigint | undefined
  types: ExporterMessageType[] | undefined
  /** Lower-case. */
  publicKey: string | undefined
}

/** A refused client message: the lines of the error message's `data`. A class, so no parsed JSON passes for one. */
export class ClientMessageError {
  constructor(readonly lines: string[]) {}
}

const queryTypes: readonly ExporterMessageType[] = ['operator', 'validator', 'decided']
const address = /^0x[0-9a-fA-F]{40}$/
const hexKey = /^0x[0-9a-fA-F]*$/

/** Parses a frame into a JSON object, or the SSV exporter's "could not parse network message" error. */
export function parseFrame(text: string): Record<string, unknown> | ClientMessageError {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (err) {
    return new ClientMessageError(['could not parse network message', err instanceof Error ? err.message : String(err)])
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return new ClientMessageError([
      'could not parse network message',
      `expected a JSON object {"type": …, "filter": {…}}, got ${describe(value)}`,
    ])
  }
  return value as Record<string, unknown>
}

/** The type name of a JSON value, for error messages. */
function describe(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value)
  if (typeof value === 'object') return 'an object'
  return `${typeof value} ${String(value)}`
}

const bad = (line: string): ClientMessageError => new ClientMessageError([`bad request - ${line}`])

/** The message's `type`: the name the error messages expect, or the error for a missing or non-string one. */
export function messageType(message: Record<string, unknown>, expected: string): string | ClientMessageError {
  const { type } = message
  if (type === undefined) return bad(`missing "type": expected ${expected}`)
  if (typeof type !== 'string') return bad(`"type" must be a string (${expected}), got ${describe(type)}`)
  return type
}

/** Unknown type, in the SSV exporter's words. */
export function unknownType(type: string): ClientMessageError {
  return bad(`unknown message type '${type}'`)
}

function nonNegativeInteger(value: unknown, name: string): number | ClientMessageError {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    return bad(`${name} must be a non-negative integer, got ${describe(value)}`)
  }
  return value
}

/** Validates a `/query` request (its type already known to be a query type). */
export function parseQueryRequest(
  message: Record<string, unknown>,
  type: ExporterMessageType,
  maxRange: number,
): QueryRequest | ClientMessageError {
  const { filter } = message
  if (filter === undefined) return bad('missing "filter": expected {"from": <first>, "to": <last>}')
  if (filter === null || typeof filter !== 'object' || Array.isArray(filter)) {
    return bad(`"filter" must be an object {"from": <first>, "to": <last>}, got ${describe(filter)}`)
  }
  const fields = filter as Record<string, unknown>
  const from = nonNegativeInteger(fields.from, 'filter.from')
  if (typeof from !== 'number') return from
  // SSV's example asks for everything from an index by omitting "to": up to the range limit.
  const to = fields.to === undefined ? from + maxRange - 1 : nonNegativeInteger(fields.to, 'filter.to')
  if (typeof to !== 'number') return to
  if (to < from) return bad(`filter.to (${to}) is below filter.from (${from})`)
  if (to - from + 1 > maxRange) {
    return bad(`range [${from}, ${to}] holds ${to - from + 1} items; at most ${maxRange} per query`)
  }
  const { role, publicKey } = fields
  if (role !== undefined && typeof role !== 'string') return bad(`filter.role must be a string, got ${describe(role)}`)
  if (type === 'decided') {
    if (publicKey === undefined || publicKey === '') {
      return bad('filter.publicKey (the task manager address) is required for decided')
    }
    if (typeof publicKey !== 'string' || !address.test(publicKey)) {
      return bad(`filter.publicKey must be the task manager address (0x and 40 hex digits), got ${describe(publicKey)}`)
    }
  } else if (publicKey !== undefined && (typeof publicKey !== 'string' || !hexKey.test(publicKey))) {
    return bad(`filter.publicKey must be a 0x-prefixed hex public key, got ${describe(publicKey)}`)
  }
  return {
    request: message,
    type,
    from,
    to,
    publicKey: typeof publicKey === 'string' ? publicKey.toLowerCase() : undefined,
    role,
  }
}

/** Validates a `/stream` subscription: `{"type": "subscribe", "filter"?: {"types"?, "publicKey"?}, "cursor"?}`. */
export function parseSubscribeRequest(message: Record<string, unknown>): SubscribeRequest | ClientMessageError {
  const { cursor, filter } = message
  let parsedCursor: bigint | undefined
  if (cursor !== undefined && cursor !== null) {
    const value = nonNegativeInteger(cursor, 'cursor')
    if (typeof value !== 'number') return value
    parsedCursor = BigInt(value)
  }
  if (filter === undefined || filter === null) return { cursor: parsedCursor, types: undefined, publicKey: undefined }
  if (typeof filter !== 'object' || Array.isArray(filter)) {
    return bad(`"filter" must be an object {"types"?: […], "publicKey"?: …}, got ${describe(filter)}`)
  }
  const { types, publicKey } = filter as Record<string, unknown>
  if (types !== undefined) {
    if (!Array.isArray(types) || types.some((t) => !queryTypes.includes(t as ExporterMessageType))) {
      return bad(`filter.types must be a list of "operator", "validator" and "decided", got ${JSON.stringify(types)}`)
    }
  }
  if (publicKey !== undefined && (typeof publicKey !== 'string' || !hexKey.test(publicKey))) {
    return bad(`filter.publicKey must be a 0x-prefixed hex key or address, got ${describe(publicKey)}`)
  }
  return {
    cursor: parsedCursor,
    types: types === undefined ? undefined : [...new Set(types as ExporterMessageType[])],
    publicKey: typeof publicKey === 'string' ? publicKey.toLowerCase() : undefined,
  }
}

export function isQueryType(type: string): type is ExporterMessageType {
  return (queryTypes as readonly string[]).includes(type)
}
