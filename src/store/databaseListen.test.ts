import { sql } from 'drizzle-orm'
import { describe, expect, test } from 'vitest'
import { useDatabase } from '../../test/database.js'
import type { DatabaseNotification } from './database.js'

/** Collects notifications; `next()` resolves with the next one (or one already received). */
function inbox() {
  const received: DatabaseNotification[] = []
  const waiters: ((n: DatabaseNotification) => void)[] = []
  return {
    received,
    handler(notification: DatabaseNotification) {
      const waiter = waiters.shift()
      if (waiter) waiter(notification)
      else received.push(notification)
    },
    next(timeoutMs = 10_000): Promise<DatabaseNotification> {
      const ready = received.shift()
      if (ready) return Promise.resolve(ready)
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no notification arrived')), timeoutMs)
        waiters.push((n) => {
          clearTimeout(timer)
          resolve(n)
        })
      })
    },
  }
}

describe('Database.listen', () => {
  const ctx = useDatabase()

  test('delivers notifications after commit, never those of a rolled-back transaction', async () => {
    const box = inbox()
    const unlisten = await ctx.database.listen('avskit_test_channel', box.handler)
    await ctx.database
      .transaction(async (tx) => {
        await tx.execute(sql`select pg_notify('avskit_test_channel', 'dropped')`)
        throw new Error('roll back')
      })
      .catch(() => {})
    await ctx.database.query(`select pg_notify('avskit_test_channel', 'kept')`)
    expect(await box.next()).toEqual({ kind: 'notification', payload: 'kept' })
    await unlisten()
    await ctx.database.query(`select pg_notify('avskit_test_channel', 'after unlisten')`)
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(box.received).toEqual([])
  })

  test('refuses a channel name that is not a plain identifier', async () => {
    await expect(ctx.database.listen('bad; drop table kv', () => {})).rejects.toThrow(/invalid notification channel/)
  })

  test.runIf(ctx.kind === 'postgres')(
    'reconnects when its connection is killed, listens again, and says so before new notifications',
    async () => {
      const box = inbox()
      await ctx.database.listen('avskit_test_channel', box.handler)
      const other = await ctx.openAnother()
      // Another process's notification reaches this one.
      await other.query(`select pg_notify('avskit_test_channel', 'one')`)
      expect(await box.next()).toEqual({ kind: 'notification', payload: 'one' })

      const killed = await other.query<{ killed: boolean }>(
        `select pg_terminate_backend(pid) as killed from pg_stat_activity
         where application_name = 'avskit-listen' and datname = current_database()`,
      )
      expect(killed.rows).toEqual([{ killed: true }])
      expect(await box.next()).toEqual({ kind: 'reconnected' })
      await other.query(`select pg_notify('avskit_test_channel', 'two')`)
      expect(await box.next()).toEqual({ kind: 'notification', payload: 'two' })
    },
  )
})
