import { describe, expect, test } from 'vitest'
import { BaseError } from '../../core/errors.js'
import { hashToG1 } from './hashToG1.js'
import { blsKeyPairFromPrivateKey } from './keys.js'
import { initBn254 } from './runtime.js'

// Each test file runs in a fresh module graph, so mcl is not initialised when this file starts.
describe('initBn254', () => {
  test('makes functions throw a BaseError naming the fix when it has not run', () => {
    expect(() => hashToG1(`0x${'00'.repeat(32)}`)).toThrow(BaseError)
    expect(() => blsKeyPairFromPrivateKey(1n)).toThrow(/await initBn254\(\)/)
  })

  test('initialises once when called concurrently and again later', async () => {
    const first = initBn254()
    expect(initBn254()).toBe(first)
    await first
    await initBn254()
    expect(blsKeyPairFromPrivateKey(1n).g1).toEqual({ x: 1n, y: 2n })
  })
})
