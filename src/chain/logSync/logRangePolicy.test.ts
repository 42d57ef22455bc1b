import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { createLogRangePolicy } from './logRangePolicy.js'

describe('createLogRangePolicy', () => {
  test('starts at the initial size, within min and max', () => {
    expect(createLogRangePolicy().size).toBe(10)
    expect(createLogRangePolicy({ initial: 50, min: 100 }).size).toBe(100)
    expect(createLogRangePolicy({ initial: 5000, max: 2000 }).size).toBe(2000)
  })

  test('halves on a refusal, down to min, then says it cannot go lower', () => {
    const policy = createLogRangePolicy({ initial: 1000, min: 100 })
    expect(policy.onRefused(1000, { kind: 'results' })).toBe(true)
    expect(policy.size).toBe(500)
    policy.onRefused(500, { kind: 'results' })
    policy.onRefused(250, { kind: 'results' })
    expect(policy.size).toBe(125)
    policy.onRefused(125, { kind: 'results' })
    expect(policy.size).toBe(100)
    expect(policy.onRefused(100, { kind: 'results' })).toBe(false)
    expect(policy.size).toBe(100)
  })

  test('goes straight to the range the provider names when it is below half', () => {
    const policy = createLogRangePolicy({ initial: 100_000 })
    policy.onRefused(100_000, { kind: 'blocks', suggestedBlocks: 2000 })
    expect(policy.size).toBe(2000)
    // A suggestion above half does not slow the descent.
    const other = createLogRangePolicy({ initial: 1000 })
    other.onRefused(1000, { kind: 'blocks', suggestedBlocks: 900 })
    expect(other.size).toBe(500)
  })

  test('doubles while answers hold under half the target, up to max', () => {
    const policy = createLogRangePolicy({ initial: 100, max: 1000, targetLogs: 100 })
    policy.onSuccess(100, 49)
    expect(policy.size).toBe(200)
    policy.onSuccess(200, 0)
    policy.onSuccess(400, 0)
    policy.onSuccess(800, 0)
    expect(policy.size).toBe(1000)
  })

  test('keeps the size when answers are near the target, and shrinks to the density of one far over it', () => {
    const policy = createLogRangePolicy({ initial: 400, targetLogs: 100 })
    policy.onSuccess(400, 150)
    expect(policy.size).toBe(400)
    policy.onSuccess(400, 201)
    expect(policy.size).toBe(199)
    // At least by half.
    policy.onSuccess(199, 201)
    expect(policy.size).toBe(99)
    policy.onSuccess(99, 10_000)
    expect(policy.size).toBe(1)
  })

  test('does not grow on a short request (the tail of a range at the head)', () => {
    const policy = createLogRangePolicy({ initial: 1000, targetLogs: 100 })
    policy.onSuccess(3, 0)
    expect(policy.size).toBe(1000)
  })

  test('grows on an answer for half the size whose density leaves the full size small (a range fetched as halves)', () => {
    const policy = createLogRangePolicy({ initial: 100, targetLogs: 100 })
    expect(policy.lastAccepted).toBe(0)
    // 50 blocks with 20 logs: 100 blocks would hold 40, under half the target.
    policy.onSuccess(50, 20)
    expect(policy.size).toBe(200)
    expect(policy.lastAccepted).toBe(50)
    // 100 blocks (half of 200) with 30 logs: 200 would hold 60, over half the target: stays.
    policy.onSuccess(100, 30)
    expect(policy.size).toBe(200)
  })

  test('remembers a block-count refusal as a ceiling, but not a results refusal', () => {
    const blocks = createLogRangePolicy({ initial: 1000, targetLogs: 100 })
    blocks.onRefused(1000, { kind: 'blocks' })
    expect(blocks.ceiling).toBe(999)
    for (let i = 0; i < 10; i++) blocks.onSuccess(blocks.size, 0)
    expect(blocks.size).toBe(999)

    const results = createLogRangePolicy({ initial: 1000, max: 100_000, targetLogs: 100 })
    results.onRefused(1000, { kind: 'results' })
    expect(results.ceiling).toBe(100_000)
    for (let i = 0; i < 3; i++) results.onSuccess(results.size, 0)
    expect(results.size).toBe(4000)
  })

  test('settles on a block cap it is not told in a few refusals, by bisection', () => {
    for (const cap of [1, 30, 1000, 2048, 9999]) {
      const policy = createLogRangePolicy({ initial: 100_000, max: 100_000 })
      let refusals = 0
      for (let request = 0; request < 60; request++) {
        const blocks = policy.size
        if (blocks > cap) {
          refusals++
          policy.onRefused(blocks, { kind: 'blocks' })
        } else {
          policy.onSuccess(blocks, 0)
        }
      }
      expect(policy.size).toBe(cap)
      // Halving down to the cap, then bisecting up to it: logarithmic, not one refusal per block of distance.
      expect(refusals).toBeLessThanOrEqual(Math.ceil(Math.log2(100_000)) + 2)
    }
  })

  test('a named limit becomes the ceiling', () => {
    const policy = createLogRangePolicy({ initial: 10_000, targetLogs: 100 })
    policy.onRefused(10_000, { kind: 'blocks', suggestedBlocks: 3000 })
    for (let i = 0; i < 5; i++) policy.onSuccess(policy.size, 0)
    expect(policy.size).toBe(3000)
  })

  test('stays within [min, ceiling] whatever happens', () => {
    const event = fc.oneof(
      fc.record({
        refused: fc.constantFrom<'blocks' | 'results'>('blocks', 'results'),
        suggested: fc.option(fc.integer({ min: 1, max: 1e6 }), { nil: undefined }),
      }),
      fc.record({ logs: fc.nat({ max: 100_000 }) }),
    )
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100 }),
        fc.integer({ min: 100, max: 1e6 }),
        fc.array(event, { maxLength: 50 }),
        (min, max, events) => {
          const policy = createLogRangePolicy({ initial: 1000, min, max, targetLogs: 1000 })
          for (const item of events) {
            const blocks = policy.size
            if ('logs' in item) policy.onSuccess(blocks, item.logs)
            else policy.onRefused(blocks, { kind: item.refused, suggestedBlocks: item.suggested })
            expect(policy.size).toBeGreaterThanOrEqual(min)
            expect(policy.size).toBeLessThanOrEqual(policy.ceiling)
            expect(policy.ceiling).toBeLessThanOrEqual(max)
          }
        },
      ),
    )
  })
})
