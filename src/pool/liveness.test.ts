import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { formatLastSeen, livenessOf } from './liveness.js'

const second = 1_000
const minute = 60 * second
const hour = 60 * minute
const day = 24 * hour

describe('formatLastSeen', () => {
  test('writes the largest two units, as the original dashboard did', () => {
    expect(formatLastSeen(0)).toBe('0s ago')
    expect(formatLastSeen(10 * second)).toBe('10s ago')
    expect(formatLastSeen(59 * second + 999)).toBe('59s ago')
    expect(formatLastSeen(5 * minute)).toBe('5m0s ago')
    expect(formatLastSeen(5 * minute + 30 * second)).toBe('5m30s ago')
    expect(formatLastSeen(2 * hour)).toBe('2h0m ago')
    expect(formatLastSeen(2 * hour + 15 * minute + 59 * second)).toBe('2h15m ago')
    expect(formatLastSeen(2 * day)).toBe('2d0h ago')
    expect(formatLastSeen(3 * day + 4 * hour + 59 * minute)).toBe('3d4h ago')
    expect(formatLastSeen(400 * day)).toBe('400d0h ago')
  })

  test('reads 0s ago for a negative age (clock skew between replicas)', () => {
    expect(formatLastSeen(-5 * second)).toBe('0s ago')
  })

  test('never overstates the age and loses less than one unit of its second part', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000 * day }), (age) => {
        const match = /^(?:(\d+)d(\d+)h|(\d+)h(\d+)m|(\d+)m(\d+)s|(\d+)s) ago$/.exec(formatLastSeen(age))
        expect(match).not.toBeNull()
        const [, d, dh, h, hm, m, ms, s] = (match as RegExpExecArray).map(Number)
        const [shown, unit] =
          d !== undefined && !Number.isNaN(d)
            ? [d * day + (dh as number) * hour, hour]
            : h !== undefined && !Number.isNaN(h)
              ? [h * hour + (hm as number) * minute, minute]
              : m !== undefined && !Number.isNaN(m)
                ? [m * minute + (ms as number) * second, second]
                : [(s as number) * second, second]
        expect(shown).toBeLessThanOrEqual(age)
        expect(age - shown).toBeLessThan(unit)
      }),
    )
  })

  test('runs as written when its source is shipped to the browser on its own', () => {
    const shipped = new Function(`return (${formatLastSeen.toString()})`)() as typeof formatLastSeen
    for (const age of [0, 10 * second, 5 * minute, 2 * hour, 2 * day, -1]) {
      expect(shipped(age)).toBe(formatLastSeen(age))
    }
  })
})

describe('livenessOf', () => {
  const rules = { pingIntervalMs: 5 * second, offlineAfterMs: 10 * minute }

  test('is online until 3 pings are missed, stale until offline-after, then offline', () => {
    const last = 1_000_000
    expect(livenessOf(last, last, rules)).toBe('online')
    expect(livenessOf(last, last + 15 * second, rules)).toBe('online')
    expect(livenessOf(last, last + 15 * second + 1, rules)).toBe('stale')
    expect(livenessOf(last, last + 10 * minute, rules)).toBe('stale')
    expect(livenessOf(last, last + 10 * minute + 1, rules)).toBe('offline')
  })

  test('counts a check-in from the future (clock skew) as online', () => {
    expect(livenessOf(2_000_000, 1_000_000, rules)).toBe('online')
  })
})
