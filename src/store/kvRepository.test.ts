import { describe, expect, test } from 'vitest'
import { useDatabase } from '../../test/database.js'
import { InvalidInputError } from '../core/errors.js'
import type { DrizzleExecutor } from './database.js'
import { createKvRepository } from './kvRepository.js'

describe('kvRepository', () => {
  const ctx = useDatabase()

  test('stores and reads back any JSON value, including null', async () => {
    const kv = createKvRepository(ctx.database.db)
    const values = {
      object: { a: [1, 'two', { three: true }] },
      number: 42.5,
      string: 'é✓',
      boolean: false,
      null: null,
    }
    for (const [key, value] of Object.entries(values)) await kv.set(key, value)
    for (const [key, value] of Object.entries(values)) expect(await kv.get(key)).toEqual(value)
    expect(await kv.get('missing')).toBeUndefined()
  })

  test('set replaces the value and moves updatedAt forward', async () => {
    const kv = createKvRepository(ctx.database.db)
    await kv.set('k', 1)
    const first = await kv.getEntry('k')
    await new Promise((resolve) => setTimeout(resolve, 5))
    await kv.set('k', 2)
    const second = await kv.getEntry('k')
    expect(second?.value).toBe(2)
    expect(second?.updatedAt.getTime()).toBeGreaterThan(first?.updatedAt.getTime() ?? Number.POSITIVE_INFINITY)
  })

  test('setMany writes all entries in one INSERT statement', async () => {
    const inserts: unknown[] = []
    const db = ctx.database.db
    const counting = new Proxy(db, {
      get(target, property, receiver) {
        if (property === 'insert')
          return (...args: Parameters<typeof db.insert>) => {
            inserts.push(args)
            return target.insert(...args)
          }
        return Reflect.get(target, property, receiver)
      },
    }) as DrizzleExecutor
    const kv = createKvRepository(counting)
    const entries = Array.from({ length: 1000 }, (_, i) => [`key:${i}`, { i }] as const)
    await kv.setMany(entries)
    expect(inserts).toHaveLength(1)
    const stored = await kv.getMany(entries.map(([key]) => key))
    expect(stored.size).toBe(1000)
    expect(stored.get('key:999')).toEqual({ i: 999 })
  })

  test('setMany upserts, keeps the last of duplicate keys and accepts a record', async () => {
    const kv = createKvRepository(ctx.database.db)
    await kv.set('a', 'old')
    await kv.setMany([
      ['a', 'first'],
      ['b', 1],
      ['a', 'last'],
    ])
    await kv.setMany({ c: [1, 2] })
    await kv.setMany([])
    expect(Object.fromEntries(await kv.getMany(['a', 'b', 'c', 'nope']))).toEqual({ a: 'last', b: 1, c: [1, 2] })
  })

  test('setMany beyond one statement writes every chunk', async () => {
    const kv = createKvRepository(ctx.database.db)
    await kv.setMany(Array.from({ length: 10_001 }, (_, i) => [`bulk:${i}`, i] as const))
    expect(await ctx.database.query<{ n: string }>('select count(*) as n from kv')).toMatchObject({
      rows: [{ n: '10001' }],
    })
  })

  test('list returns keys by prefix, treating % and _ literally', async () => {
    const kv = createKvRepository(ctx.database.db)
    await kv.setMany({ 'op:2': 2, 'op:1': 1, op_x: 'underscore', other: 0, '50%:a': 'percent', '50x:a': 'x' })
    expect((await kv.list('op:')).map((e) => e.key)).toEqual(['op:1', 'op:2'])
    expect((await kv.list('op_')).map((e) => e.key)).toEqual(['op_x'])
    expect((await kv.list('50%')).map((e) => e.key)).toEqual(['50%:a'])
    expect(await kv.list()).toHaveLength(6)
  })

  test('delete reports whether the key existed', async () => {
    const kv = createKvRepository(ctx.database.db)
    await kv.set('gone', true)
    expect(await kv.delete('gone')).toBe(true)
    expect(await kv.delete('gone')).toBe(false)
    expect(await kv.get('gone')).toBeUndefined()
  })

  test('refuses a value JSON cannot hold, naming its key', async () => {
    const kv = createKvRepository(ctx.database.db)
    await expect(kv.set('big', 1n)).rejects.toThrow(InvalidInputError)
    await expect(kv.set('big', 1n)).rejects.toThrow(/^kv value for "big" is not JSON-serialisable/)
    await expect(kv.set('undef', undefined)).rejects.toThrow(/kv value for "undef" is not JSON-serialisable/)
  })

  test('works inside a transaction, which rolls back on error', async () => {
    await ctx.database.transaction(async (tx) => createKvRepository(tx).set('committed', 1))
    await expect(
      ctx.database.transaction(async (tx) => {
        await createKvRepository(tx).set('rolled-back', 1)
        throw new Error('abort')
      }),
    ).rejects.toThrow('abort')
    const kv = createKvRepository(ctx.database.db)
    expect(await kv.get('committed')).toBe(1)
    expect(await kv.get('rolled-back')).toBeUndefined()
  })
})
