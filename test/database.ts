/**
 * A fresh, migrated database for every test: `const ctx = useDatabase()` in a describe block, then
 * `ctx.database` inside a test. The same tests run on both engines:
 *
 * - PGlite (default): each test loads the migrated template tarball that `test/globalSetup.ts` prepared into a
 *   new in-memory PGlite (`loadDataDir`), about 0.3 s, instead of a fresh PGlite's 2–3 s of initdb.
 * - PostgreSQL, when `DATABASE_URL=postgres://…/<maintenance db>` is set: each test gets its own database,
 *   `CREATE DATABASE avskit_test_… TEMPLATE <migrated template>` (~40 ms), dropped when the test ends.
 */
import { readFile } from 'node:fs/promises'
import { afterEach, beforeEach, inject, onTestFinished } from 'vitest'
import type { Database, DatabaseKind, OpenDatabaseParameters } from '../src/store/index.js'
import { openDatabase } from '../src/store/index.js'
import { databaseUrlFor, onServer, testDatabasePrefix, uniqueDatabaseName } from './globalSetup.js'

export type UseDatabaseReturnType = {
  /** This test's database, opened and migrated. */
  readonly database: Database
  readonly kind: DatabaseKind
  /**
   * Opens another handle to this test's database, closed when the test ends (Postgres: a second pool, as a
   * second process would have). Throws on PGlite, which one process opens once.
   */
  openAnother(parameters?: Omit<OpenDatabaseParameters, 'url' | 'dataDir' | 'pgliteSnapshot'>): Promise<Database>
}

export const testDatabaseKind: DatabaseKind = process.env.DATABASE_URL ? 'postgres' : 'pglite'

let snapshot: Promise<Blob> | undefined

/** Opens a new migrated database for the running test; it is closed and dropped when the test ends. */
export async function openTestDatabase(parameters: Pick<OpenDatabaseParameters, 'logger'> = {}): Promise<{
  database: Database
  url: string | undefined
}> {
  const template = inject('avskitTestDatabase')
  if (template.kind === 'pglite') {
    const opened = await openSuiteDatabase(parameters)
    onTestFinished(() => opened.database.close())
    return opened
  }
  const url = await createTestPostgresDatabase({ template: template.templateName })
  const database = await openDatabase({ url, logger: parameters.logger, maxConnections: 4 })
  onTestFinished(() => database.close())
  return { database, url }
}

/**
 * Opens a new migrated database outside a test (in `beforeAll`); the caller closes it. On Postgres the database
 * is left for the next run's start-up sweep of old test databases.
 */
export async function openSuiteDatabase(parameters: Pick<OpenDatabaseParameters, 'logger'> = {}): Promise<{
  database: Database
  url: string | undefined
}> {
  const template = inject('avskitTestDatabase')
  if (template.kind === 'pglite') {
    snapshot ??= readFile(template.snapshotPath).then((bytes) => new Blob([bytes]))
    return {
      database: await openDatabase({ pgliteSnapshot: await snapshot, logger: parameters.logger }),
      url: undefined,
    }
  }
  const url = await createTestPostgresDatabase({ template: template.templateName, outsideTest: true })
  return { database: await openDatabase({ url, logger: parameters.logger, maxConnections: 4 }), url }
}

/**
 * Within a test on Postgres: a new database, empty or copied from the migrated template, dropped when the test
 * ends (after the test's own cleanups). Returns its URL.
 */
export async function createTestPostgresDatabase(
  options: {
    template?: string | undefined /** Outside a test: not dropped when one ends. */
    outsideTest?: boolean
  } = {},
): Promise<string> {
  const template = inject('avskitTestDatabase')
  if (template.kind !== 'postgres') throw new Error('createTestPostgresDatabase needs DATABASE_URL')
  const name = uniqueDatabaseName(testDatabasePrefix)
  await onServer(
    template.serverUrl,
    `create database "${name}"${options.template ? ` template "${options.template}"` : ''}`,
  )
  // Registered first, so it runs after the cleanups that close handles to this database.
  if (!options.outsideTest)
    onTestFinished(() => onServer(template.serverUrl, `drop database if exists "${name}" with (force)`).then(() => {}))
  return databaseUrlFor(template.serverUrl, name)
}

/**
 * Gives each test of the enclosing describe block (or file) its own fresh, migrated database.
 *
 * @example
 * const ctx = useDatabase()
 * test('stores a value', async () => {
 *   await createKvRepository(ctx.database.db).set('a', 1)
 * })
 */
export function useDatabase(): UseDatabaseReturnType {
  let current: { database: Database; url: string | undefined } | undefined
  beforeEach(async () => {
    current = await openTestDatabase()
  })
  afterEach(() => {
    current = undefined
  })
  const get = () => {
    if (!current) throw new Error('useDatabase(): the database exists only inside a test')
    return current
  }
  return {
    get database() {
      return get().database
    },
    kind: testDatabaseKind,
    async openAnother(parameters = {}) {
      const { url } = get()
      if (url === undefined) throw new Error('openAnother(): PGlite is opened by one handle only')
      const database = await openDatabase({ ...parameters, url })
      onTestFinished(() => database.close())
      return database
    },
  }
}
