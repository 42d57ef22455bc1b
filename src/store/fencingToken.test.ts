import { describe, expect, test } from 'vitest'
import { testDatabaseKind, useDatabase } from '../../test/database.js'
import { assertFencingToken, FencedWriterError, takeFencingToken } from './fencingToken.js'
import { kv } from './schema/index.js'

const onPostgres = testDatabaseKind === 'postgres'

describe('fencing tokens', () => {
  const ctx = useDatabase()

  test('each writer takes the next token and only the newest passes the check', async () => {
    const { db } = ctx.database
    const first = await takeFencingToken(db, 'exporter')
    await expect(assertFencingToken(db, 'exporter', first)).resolves.toBeUndefined()
    const second = await takeFencingToken(db, 'exporter')
    expect(second).toBe(first + 1n)
    await expect(assertFencingToken(db, 'exporter', first)).rejects.toThrow(FencedWriterError)
    await expect(assertFencingToken(db, 'exporter', second)).resolves.toBeUndefined()
    expect(await takeFencingToken(db, 'other role')).toBe(1n)
  })

  test.runIf(onPostgres)('a takeover during an open write transaction fails that transaction', async () => {
    const { database } = ctx
    const replica = await ctx.openAnother()
    const old = await takeFencingToken(database.db, 'exporter')
    let tookOver: bigint | undefined
    await expect(
      database.transaction(async (tx) => {
        await tx.insert(kv).values({ key: 'written-by-old', value: 1 })
        tookOver = await takeFencingToken(replica.db, 'exporter')
        await assertFencingToken(tx, 'exporter', old)
      }),
    ).rejects.toThrow(/another exporter writer took over/)
    expect(tookOver).toBe(old + 1n)
    expect((await database.query(`select 1 from kv where key = 'written-by-old'`)).rowCount).toBe(0)
  })
})
