import { describe, expect, test } from 'vitest'
import { nextSlot, nextTimeOfDay, parseTimeOfDay } from './syncSchedule.js'

const at = (iso: string) => Date.parse(iso)

describe('parseTimeOfDay', () => {
  test('reads HH:MM:SS', () => {
    expect(parseTimeOfDay('00:00:00')).toBe(0)
    expect(parseTimeOfDay('23:59:59')).toBe(86_399_000)
    expect(parseTimeOfDay('01:02:03')).toBe(3_723_000)
  })

  test('refuses other forms and out-of-range fields', () => {
    for (const bad of ['24:00:00', '12:60:00', '12:00:60', '1:00:00', '12:00', '12:00:00Z', 'noon', '']) {
      expect(() => parseTimeOfDay(bad), bad).toThrowError(/expected a UTC time of day as HH:MM:SS/)
    }
  })
})

describe('nextTimeOfDay', () => {
  test('is today when the time is still ahead, tomorrow when it has passed (UTC)', () => {
    expect(nextTimeOfDay(parseTimeOfDay('12:00:00'), at('2025-03-01T08:00:00Z'))).toBe(at('2025-03-01T12:00:00Z'))
    expect(nextTimeOfDay(parseTimeOfDay('06:00:00'), at('2025-03-01T08:00:00Z'))).toBe(at('2025-03-02T06:00:00Z'))
    expect(nextTimeOfDay(parseTimeOfDay('08:00:00'), at('2025-03-01T08:00:00Z'))).toBe(at('2025-03-01T08:00:00Z'))
  })
})

describe('nextSlot', () => {
  test('stays on the grid from the first round', () => {
    expect(nextSlot(1_000, 100, 500)).toBe(1_000)
    expect(nextSlot(1_000, 100, 1_000)).toBe(1_100)
    expect(nextSlot(1_000, 100, 1_050)).toBe(1_100)
    // A round that overran two slots resumes on the grid.
    expect(nextSlot(1_000, 100, 1_250)).toBe(1_300)
  })
})
