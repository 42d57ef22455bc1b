import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { createTestPostgresDatabase, testDatabaseKind, useDatabase } from '../../test/database.js'
import { InvalidInputError } from '../core/errors.js'
import { advisoryLockKey } from './advisoryLockKey.js'
import { DatabaseConnectionError, DatabaseMigrationError, describePostgresUrl } from './databaseErrors.js'
import { createKvRepository } from './kvRepository.js'
import { migrationsFolder, migrationsSchema, migrationsTable } from './migrateDatabase.js'
import { openDatabase } from './openDatabase.js'

const onPostgres = testDatabaseKind === 'postgres'

async function journalLength(): Promise<number> {
  const journal = JSON.parse(await readFile(join(migrationsFolder(), 'meta', '_journal.json'), 'utf8'))
  return journal.entries.length
}

async function appliedMigrations(query: (sql: string) => Promise<{ rows: Record<string, unknown>[] }>) {
  const { rows } = await query(`select count(*)::int as n from "${migrationsSchema}"."${migrationsTable}"`)
  return rows[0]?.n
}

describe('openDatabase', () => {
  const ctx = useDatabase()

  test('opens a migrated database of the expected kind', async () => {
    expect(ctx.database.kind).toBe(testDatabaseKind)
    expect(await appliedMigrations((sql) => ctx.database.query(sql))).toBe(await journalLength())
    expect(ctx.database.description).not.toMatch(/:[^/@]*@/)
  })

  test('query takes $n parameters and returns rows parsed the node-postgres way on both engines', async () => {
    const result = await ctx.database.query<{ big: string; n: number; j: unknown; t: Date }>(
      `select $1::int8 as big, $2::int4 as n, $3::jsonb as j, now() as t`,
      ['9007199254740993', 7, JSON.stringify({ a: [1] })],
    )
    expect(result.rowCount).toBe(1)
    expect(result.rows[0]).toMatchObject({ big: '9007199254740993', n: 7, j: { a: [1] } })
    expect(result.rows[0]?.t).toBeInstanceOf(Date)
    expect((await ctx.database.query(`insert into kv (key, value) values ('a', '1'), ('b', '2')`)).rowCount).toBe(2)
  })

  test('transaction commits on success and rolls back on error', async () => {
    await ctx.database.transaction(async (tx) => {
      await createKvRepository(tx).set('in', 1)
    })
    await expect(
      ctx.database.transaction(async (tx) => {
        await createKvRepository(tx).set('out', 1)
        throw new Error('no')
      }),
    ).rejects.toThrow('no')
    const rows = await ctx.database.query<{ key: string }>('select key from kv order by key')
    expect(rows.rows.map((r) => r.key)).toEqual(['in'])
  })

  test('tryAdvisoryLock succeeds and is idempotent for the holder', async () => {
    const key = advisoryLockKey('test:single')
    expect(await ctx.database.tryAdvisoryLock(key)).toBe(true)
    expect(await ctx.database.tryAdvisoryLock(key)).toBe(true)
    expect(await ctx.database.advisoryUnlock(key)).toBe(true)
  })

  test.runIf(onPostgres)('advisory locks exclude another process until released or closed', async () => {
    const key = advisoryLockKey('test:exclusive')
    const other = await ctx.openAnother()
    expect(await ctx.database.tryAdvisoryLock(key)).toBe(true)
    expect(await other.tryAdvisoryLock(key)).toBe(false)
    expect(await other.advisoryUnlock(key)).toBe(false)
    expect(await ctx.database.advisoryUnlock(key)).toBe(true)
    expect(await other.tryAdvisoryLock(key)).toBe(true)
    expect(await ctx.database.tryAdvisoryLock(key)).toBe(false)
    await other.close()
    expect(await ctx.database.tryAdvisoryLock(key)).toBe(true)
  })

  test.runIf(onPostgres)('reopening applies nothing twice', async () => {
    const other = await ctx.openAnother()
    expect(await appliedMigrations((sql) => other.query(sql))).toBe(await journalLength())
  })

  test('close is idempotent and later queries fail clearly', async () => {
    await ctx.database.close()
    await ctx.database.close()
    expect(ctx.database.closed).toBe(true)
    await expect(ctx.database.query('select 1')).rejects.toThrow(/is closed/)
  })
})

describe.runIf(onPostgres)('openDatabase on PostgreSQL', () => {
  test('two processes opening an empty database at once migrate it once', async () => {
    const url = await createTestPostgresDatabase()
    const [a, b, c] = await Promise.all([1, 2, 3].map(() => openDatabase({ url, maxConnections: 2 })))
    try {
      expect(await appliedMigrations((sql) => a!.query(sql))).toBe(await journalLength())
      await createKvRepository(b!.db).set('shared', 'yes')
      expect(await createKvRepository(c!.db).get('shared')).toBe('yes')
    } finally {
      await Promise.all([a, b, c].map((d) => d?.close()))
    }
  })

  test('a missing database is a DatabaseConnectionError without credentials', async () => {
    const url = new URL(await createTestPostgresDatabase())
    url.pathname = '/avskit_does_not_exist'
    url.username = 'postgres'
    url.password = 's3cret-pw'
    const error = await openDatabase({ url: url.toString() }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(DatabaseConnectionError)
    expect((error as Error).message).toContain('does not exist')
    expect((error as Error).message).not.toContain('s3cret-pw')
  })

  test('a failing migration is a DatabaseMigrationError and leaves nothing half-applied', async () => {
    const url = await createTestPostgresDatabase()
    const pg = await import('pg')
    const client = new pg.default.Client({ connectionString: url })
    await client.connect()
    await client.query('create table kv (unrelated int)')
    await client.end()
    const error = await openDatabase({ url }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(DatabaseMigrationError)
    expect((error as Error).message).toContain('relation "kv" already exists')
  })
})

describe('openDatabase errors', () => {
  test('an unreachable server is a DatabaseConnectionError naming it without the password', async () => {
    const error = await openDatabase({ url: 'postgres://avskit:hunter2@127.0.0.1:1/avskit' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(DatabaseConnectionError)
    expect((error as DatabaseConnectionError).shortMessage).toBe(
      'cannot connect to PostgreSQL at postgres://***@127.0.0.1:1/avskit',
    )
    expect((error as Error).message).toContain('ECONNREFUSED')
    expect((error as Error).message).not.toContain('hunter2')
  })

  test('a URL that is not postgres:// is bad input', async () => {
    const error = await openDatabase({ url: 'mysql://root:pw@db/x' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InvalidInputError)
    expect((error as Error).message).toMatch(/^invalid database URL mysql:\/\/\*\*\*@db\/x/)
    await expect(openDatabase({ url: 'not a url' })).rejects.toThrow(InvalidInputError)
  })

  test('describePostgresUrl drops user, password and query parameters', () => {
    expect(describePostgresUrl('postgresql://u:p%40ss@h:5432/db?sslmode=require&password=x')).toBe(
      'postgresql://***@h:5432/db',
    )
    expect(describePostgresUrl('postgres://h/db')).toBe('postgres://h/db')
  })
})
