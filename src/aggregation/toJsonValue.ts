/** A value made safe for a JSON column: bigints become decimal strings, everything else is kept. */
export function toJsonValue(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString()
  if (Array.isArray(value)) return value.map(toJsonValue)
  if (value instanceof Uint8Array) return `0x${Buffer.from(value).toString('hex')}`
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJsonValue(v)]))
  }
  return value
}
