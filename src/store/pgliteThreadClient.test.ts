import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { types } from '@electric-sql/pglite'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { CopyBinaryWriter } from './copyBinary.js'
import { DatabaseConnectionError } from './databaseErrors.js'
import { type PgliteThreadClient, startPgliteThread } from './pgliteThreadClient.js'
import { pipelined } from './pipelined.js'

// One folder (initdb takes 2–3 s), one table per test.
describe('PGlite on its own thread', () => {
  let folder: string
  let client: PgliteThreadClient
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'avskit-pglite-thread-'))
    client = await startPgliteThread(folder)
  })
  afterAll(async () => {
    await client?.close()
    await rm(folder, { recursive: true, force: true })
  })

  test('answers queries as PGlite does, with int8 as text and the caller’s parsers run here', async () => {
    const objects = await client.query<{ n: number; big: string; doc: unknown }>(
      `select 1::int4 as n, 9007199254740993::int8 as big, '{"a":[1]}'::jsonb as doc`,
    )
    expect(objects.rows).toEqual([{ n: 1, big: '9007199254740993', doc: { a: [1] } }])
    const arrays = await client.query<unknown[]>(`select 41::int4 as n, 'x' as s`, [], {
      rowMode: 'array',
      parsers: { [types.INT4]: (value) => Number(value) + 1 },
    })
    expect(arrays.rows).toEqual([[42, 'x']])
    expect(arrays.fields.map((field) => field.name)).toEqual(['n', 's'])
  })

  test('passes Postgres errors with their fields, refuses parameters it cannot send, and keeps serving', async () => {
    const error = (await client.query('select * from no_such_table').catch((e: unknown) => e)) as Error & {
      code?: string
    }
    expect(error).toBeInstanceOf(Error)
    expect(error.message).toContain('no_such_table')
    expect(error.code).toBe('42P01')
    // A parameter that cannot cross to the thread fails that call alone.
    await expect(client.query('select $1::text', [() => 'a function'])).rejects.toThrow(/could not be cloned/)
    expect((await client.query<{ one: number }>('select 1 as one')).rows).toEqual([{ one: 1 }])
  })

  test('commits a transaction whose statements were sent without waiting, in order', async () => {
    await client.query('create table sent_together (n int primary key)')
    const seen = await client.transaction(async (tx) => {
      const [, , read] = await pipelined([
        () => tx.query('insert into sent_together values (1)'),
        () => tx.query('insert into sent_together values (2)'),
        () => tx.query<{ n: number }>('select n from sent_together order by n'),
      ])
      return read.rows
    })
    expect(seen).toEqual([{ n: 1 }, { n: 2 }])
    expect((await client.query('select n from sent_together')).rows).toHaveLength(2)
  })

  test('rolls back a transaction whose callback throws', async () => {
    await client.query('create table rolled_back (n int)')
    const error = await client
      .transaction(async (tx) => {
        await tx.query('insert into rolled_back values (1)')
        throw new Error('changed my mind')
      })
      .catch((e: unknown) => e)
    expect((error as Error).message).toBe('changed my mind')
    expect((await client.query('select * from rolled_back')).rows).toEqual([])
  })

  test('runs one transaction at a time: a second waits for the first to end', async () => {
    await client.query('create table serialized (step text)')
    let releaseFirst!: () => void
    const firstHolds = new Promise<void>((resolve) => {
      releaseFirst = resolve
    })
    const first = client.transaction(async (tx) => {
      await tx.query(`insert into serialized values ('first')`)
      await firstHolds
      await tx.query(`insert into serialized values ('first again')`)
    })
    const second = client.transaction(async (tx) => {
      await tx.query(`insert into serialized values ('second')`)
    })
    await new Promise((resolve) => setTimeout(resolve, 100))
    releaseFirst()
    await Promise.all([first, second])
    const steps = (await client.query<{ step: string }>('select step from serialized')).rows.map((r) => r.step)
    expect(steps).toEqual(['first', 'first again', 'second'])
  })

  test('copies rows from bytes sent to the thread', async () => {
    await client.query('create table copied (n int, label text)')
    const rows = new CopyBinaryWriter()
    for (const [n, label] of [
      [1, 'one'],
      [2, null],
      [3, 'tab\there'],
    ] as const) {
      rows.row(2)
      rows.int4(n)
      if (label === null) rows.null()
      else rows.text(label)
    }
    await client.transaction(async (tx) => {
      await tx.copyFrom('copied', 'n, label', rows.finish())
    })
    expect((await client.query('select n, label from copied order by n')).rows).toEqual([
      { n: 1, label: 'one' },
      { n: 2, label: null },
      { n: 3, label: 'tab\there' },
    ])
  })

  test('delivers notifications to listeners, and stops after unlisten', async () => {
    const payloads: string[] = []
    const unlisten = await client.listen('thread_channel', (payload) => payloads.push(payload))
    await client.query(`select pg_notify('thread_channel', 'one')`)
    await unlisten()
    await client.query(`select pg_notify('thread_channel', 'two')`)
    await client.query('select 1')
    expect(payloads).toEqual(['one'])
  })

  test('refuses work once closed', async () => {
    const other = await mkdtemp(join(tmpdir(), 'avskit-pglite-thread-'))
    try {
      const closing = await startPgliteThread(other)
      await closing.close()
      await expect(closing.query('select 1')).rejects.toBeInstanceOf(DatabaseConnectionError)
      await closing.close()
    } finally {
      await rm(other, { recursive: true, force: true })
    }
  })
})

describe('pipelined', () => {
  test('waits for every statement before throwing the first failure', async () => {
    let lateDone = false
    const late = new Promise<void>((resolve) =>
      setTimeout(() => {
        lateDone = true
        resolve()
      }, 50),
    )
    const error = await pipelined([
      () => Promise.reject(new Error('first')),
      () => late,
      () => {
        throw new Error('second')
      },
    ]).catch((e: unknown) => e)
    expect((error as Error).message).toBe('first')
    expect(lateDone).toBe(true)
    expect(await pipelined([() => Promise.resolve(1), () => undefined, () => 'b'])).toEqual([1, undefined, 'b'])
  })
})
