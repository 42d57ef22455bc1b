import { describe, expect, test } from 'vitest'
import { createShutdown } from './lifecycle.js'
import { createLogger } from './logger.js'

describe('createShutdown', () => {
  test('aborts the signal and runs steps in reverse order, once', async () => {
    const shutdown = createShutdown({ logger: createLogger({ level: 'silent' }) })
    const order: string[] = []
    shutdown.add('first', () => {
      order.push('first')
    })
    shutdown.add('second', async () => {
      order.push('second')
    })
    await Promise.all([shutdown.shutdown('test'), shutdown.shutdown('again')])
    await shutdown.done
    expect(shutdown.signal.aborted).toBe(true)
    expect(order).toEqual(['second', 'first'])
  })

  test('keeps stopping the remaining steps when one fails or hangs', async () => {
    const shutdown = createShutdown({ logger: createLogger({ level: 'silent' }), stepTimeout: 50 })
    const order: string[] = []
    shutdown.add('last', () => {
      order.push('last')
    })
    shutdown.add('hangs', () => new Promise<void>(() => {}))
    shutdown.add('throws', () => {
      throw new Error('boom')
    })
    await shutdown.shutdown('test')
    expect(order).toEqual(['last'])
  })
})
