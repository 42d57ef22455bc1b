import { describe, expect, test } from 'vitest'
import { formatGoDuration, parseGoDuration } from './goDuration.js'

describe('parseGoDuration', () => {
  test('reads the forms Go accepts', () => {
    expect(parseGoDuration('0')).toBe(0)
    expect(parseGoDuration('24h')).toBe(86_400_000)
    expect(parseGoDuration('90s')).toBe(90_000)
    expect(parseGoDuration('1h30m')).toBe(5_400_000)
    expect(parseGoDuration('2h45m30.5s')).toBe(9_930_500)
    expect(parseGoDuration('1.5h')).toBe(5_400_000)
    expect(parseGoDuration('.5s')).toBe(500)
    expect(parseGoDuration('300ms')).toBe(300)
    expect(parseGoDuration('1500us')).toBeCloseTo(1.5)
    expect(parseGoDuration('1µs')).toBeCloseTo(0.001)
    expect(parseGoDuration('+5s')).toBe(5_000)
    expect(parseGoDuration('-5s')).toBe(-5_000)
    expect(parseGoDuration('0s')).toBe(0)
  })

  test('refuses what Go refuses', () => {
    for (const bad of ['', '5', '1d', 'h', '1h 30m', '1.2.3s', 'abc', '10 s', '-', '5sec', '1hm']) {
      expect(parseGoDuration(bad), bad).toBeUndefined()
    }
  })
})

describe('formatGoDuration', () => {
  test('prints as Go does and reads back', () => {
    expect(formatGoDuration(0)).toBe('0s')
    expect(formatGoDuration(500)).toBe('500ms')
    expect(formatGoDuration(90_000)).toBe('1m30s')
    expect(formatGoDuration(86_400_000)).toBe('24h0m0s')
    expect(formatGoDuration(1_500)).toBe('1.5s')
    for (const ms of [0, 1, 999, 1_000, 61_001, 86_400_000, 5_400_000]) {
      expect(parseGoDuration(formatGoDuration(ms))).toBe(ms)
    }
  })
})
