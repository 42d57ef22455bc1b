/**
 * Prepares, once per test run, the migrated database every test clones (see `test/database.ts`):
 *
 * - PGlite (default): a `dumpDataDir()` tarball of a freshly migrated in-memory PGlite. A fresh PGlite costs
 *   2–3 s and ~730 MB (initdb); loading this tarball costs ~0.3 s. The tarball is cached in
 *   `node_modules/.cache/avskit/`, keyed by the PGlite version and the migration files, so it is rebuilt only
 *   when one of them changes.
 * - PostgreSQL (`DATABASE_URL` set): a migrated template database, `avskit_tpl_<time>_<random>`; each test
 *   gets `CREATE DATABASE … TEMPLATE` of it (~40 ms) and drops it afterwards. The template is dropped when the
 *   run ends; leftovers of crashed runs older than six hours are dropped at the start.
 */
import { createHash, randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import pg from 'pg'
import type { TestProject } from 'vitest/node'
import { migratePgliteDatabase, migrationsFolder } from '../src/store/migrateDatabase.js'
import { openDatabase } from '../src/store/openDatabase.js'

export type TestDatabaseTemplate =
  | { kind: 'pglite'; snapshotPath: string }
  | { kind: 'postgres'; serverUrl: string; templateName: string }

declare module 'vitest' {
  export interface ProvidedContext {
    avskitTestDatabase: TestDatabaseTemplate
  }
}

/** Per-test and template database names start with these, followed by `<unix seconds>_<random>`. */
export const testDatabasePrefix = 'avskit_test_'
export const templateDatabasePrefix = 'avskit_tpl_'
const staleAfterSeconds = 6 * 3600

export function uniqueDatabaseName(prefix: string): string {
  return `${prefix}${Math.floor(Date.now() / 1000)}_${randomBytes(4).toString('hex')}`
}

/** `serverUrl` with its database replaced by `name` (credentials and options kept). */
export function databaseUrlFor(serverUrl: string, name: string): string {
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  return url.toString()
}

/** Runs one statement on the server's maintenance database (the one in DATABASE_URL). */
export async function onServer(serverUrl: string, statement: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: serverUrl })
  await client.connect()
  try {
    return await client.query(statement)
  } finally {
    await client.end()
  }
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const serverUrl = process.env.DATABASE_URL
  if (serverUrl) {
    await dropStaleDatabases(serverUrl)
    const templateName = uniqueDatabaseName(templateDatabasePrefix)
    await onServer(serverUrl, `create database "${templateName}"`)
    const database = await openDatabase({ url: databaseUrlFor(serverUrl, templateName), maxConnections: 2 })
    await database.close()
    project.provide('avskitTestDatabase', { kind: 'postgres', serverUrl, templateName })
    return async () => {
      await onServer(serverUrl, `drop database if exists "${templateName}" with (force)`)
    }
  }
  project.provide('avskitTestDatabase', { kind: 'pglite', snapshotPath: await pgliteTemplate() })
  return undefined
}

async function pgliteTemplate(): Promise<string> {
  const folder = migrationsFolder()
  const hash = createHash('sha256')
  const pgliteEntry = createRequire(import.meta.url).resolve('@electric-sql/pglite')
  hash.update(await readFile(join(dirname(pgliteEntry), '..', 'package.json')))
  for (const file of (await readdir(folder, { recursive: true })).sort()) {
    const path = join(folder, file)
    if (file.endsWith('.sql') || file.endsWith('.json')) hash.update(file).update(await readFile(path))
  }
  const cacheFolder = join(process.cwd(), 'node_modules', '.cache', 'avskit')
  const snapshotPath = join(cacheFolder, `pglite-template-${hash.digest('hex').slice(0, 16)}.tar`)
  if (existsSync(snapshotPath)) return snapshotPath

  const client = await PGlite.create()
  try {
    await migratePgliteDatabase(client)
    const dump = await client.dumpDataDir('none')
    await mkdir(cacheFolder, { recursive: true })
    const partial = `${snapshotPath}.${process.pid}.partial`
    await writeFile(partial, Buffer.from(await dump.arrayBuffer()))
    await rename(partial, snapshotPath)
  } finally {
    await client.close()
  }
  return snapshotPath
}

async function dropStaleDatabases(serverUrl: string): Promise<void> {
  const { rows } = await onServer(
    serverUrl,
    `select datname from pg_database where datname like '${testDatabasePrefix}%' or datname like '${templateDatabasePrefix}%'`,
  )
  const now = Date.now() / 1000
  for (const { datname } of rows as { datname: string }[]) {
    const created = Number(/_(\d+)_[0-9a-f]+$/.exec(datname)?.[1])
    if (Number.isFinite(created) && now - created > staleAfterSeconds) {
      await onServer(serverUrl, `drop database if exists "${datname}" with (force)`)
    }
  }
}
