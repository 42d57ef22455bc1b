import type { Address } from 'viem'
import { describe, expect, test } from 'vitest'
import { chunkOperatorsByGas, OperatorOverGasCapError } from './chunkOperatorsByGas.js'

const operators = Array.from({ length: 10 }, (_, i) => `0x${String(i + 1).padStart(40, '0')}` as Address)

/** 30k per call plus a per-operator cost (operator 7 costs ten times the others). */
function fakeEstimate(calls: Address[][]) {
  return async (list: readonly Address[]) => {
    calls.push([...list])
    return 30_000n + list.reduce((sum, a) => sum + (a === operators[6] ? 200_000n : 20_000n), 0n)
  }
}

describe('chunkOperatorsByGas', () => {
  test('keeps one call when the whole list fits', async () => {
    const calls: Address[][] = []
    const chunks = await chunkOperatorsByGas({ operators, maxGas: 1_000_000n, estimate: fakeEstimate(calls) })
    expect(chunks).toEqual([{ operators, gasEstimate: 30_000n + 9n * 20_000n + 200_000n }])
    expect(calls).toHaveLength(1)
  })

  test('splits into chunks that each fit, keeping every operator once and in order', async () => {
    const calls: Address[][] = []
    const chunks = await chunkOperatorsByGas({ operators, maxGas: 250_000n, estimate: fakeEstimate(calls) })
    expect(chunks.length).toBeGreaterThan(1)
    expect(chunks.flatMap((c) => c.operators)).toEqual(operators)
    for (const chunk of chunks) expect(chunk.gasEstimate).toBeLessThanOrEqual(250_000n)
    // Every chunk's figure is its own estimate.
    for (const chunk of chunks) expect(calls.some((call) => call.join() === chunk.operators.join())).toBe(true)
  })

  test('names an operator that alone exceeds the cap', async () => {
    const error = await chunkOperatorsByGas({ operators, maxGas: 100_000n, estimate: fakeEstimate([]) }).catch((e) => e)
    expect(error).toBeInstanceOf(OperatorOverGasCapError)
    expect((error as OperatorOverGasCapError).operator).toBe(operators[6])
    expect((error as Error).message).toContain('--max-gas-per-tx 100000')
  })

  test('returns no chunk for no operator', async () => {
    expect(await chunkOperatorsByGas({ operators: [], maxGas: 1n, estimate: fakeEstimate([]) })).toEqual([])
  })
})
