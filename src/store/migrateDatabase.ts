/**
 * Schema migrations, applied every time a database is opened. They are the SQL files drizzle-kit generated
 * from `schema.ts` into `migrations/`; drizzle's migrator applies the ones not yet recorded, in one
 * transaction, and records each in `drizzle.avskit_migrations` (hash, creation time).
 *
 * drizzle's migrator reads the last recorded migration before it opens its transaction, and creates its schema
 * and table with IF NOT EXISTS, which races between two processes. On Postgres the whole run therefore holds
 * a session advisory lock (`migrationLockKey`) on one dedicated connection: a second process opening the same
 * database at the same moment waits, then finds nothing left to apply.
 */
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { PGlite } from '@electric-sql/pglite'
import type { MigrationConfig } from 'drizzle-orm/migrator'
import { drizzle as drizzleNodePostgres } from 'drizzle-orm/node-postgres'
import { migrate as migrateNodePostgres } from 'drizzle-orm/node-postgres/migrator'
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite'
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator'
import type { Pool } from 'pg'
import { migrationLockKey } from './advisoryLockKey.js'
import type { StoreLogger } from './database.js'
import { DatabaseMigrationError } from './databaseErrors.js'
import type { PgliteThreadClient } from './pgliteThreadClient.js'

export const migrationsSchema = 'drizzle'
export const migrationsTable = 'avskit_migrations'

/**
 * Where the SQL files are: beside this module (source checkout, tests) or, from a build in `dist/store/`, in the
 * package's `src/store/migrations`.
 */
export function migrationsFolder(): string {
  const candidates = [
    new URL('./migrations/', import.meta.url),
    new URL('../../src/store/migrations/', import.meta.url),
  ]
  for (const candidate of candidates) {
    const path = fileURLToPath(candidate)
    if (existsSync(`${path}meta/_journal.json`)) return path
  }
  throw new DatabaseMigrationError('cannot find the database migrations', {
    metaMessages: candidates.map((c) => `looked in ${fileURLToPath(c)}`),
  })
}

function migrationConfig(): MigrationConfig {
  return { migrationsFolder: migrationsFolder(), migrationsSchema, migrationsTable }
}

type RawQuery = (sql: string, params?: unknown[]) => Promise<{ rows: Record<string, unknown>[] }>

/** Applies pending migrations to a PGlite (one process: no lock needed). */
export async function migratePgliteDatabase(client: PGlite | PgliteThreadClient, logger?: StoreLogger): Promise<void> {
  const query: RawQuery = (sql, params) => client.query<Record<string, unknown>>(sql, params)
  await runMigrations(
    query,
    () => migratePglite(drizzlePglite({ client: client as PGlite }), migrationConfig()),
    logger,
  )
}

/** Applies pending migrations to a Postgres database under the migration advisory lock. */
export async function migratePostgresDatabase(pool: Pool, logger?: StoreLogger): Promise<void> {
  const client = await pool.connect()
  let broken = false
  try {
    const waiting = setTimeout(() => logger?.info('waiting for another process to finish migrating the database'), 2000)
    try {
      await client.query('select pg_advisory_lock($1)', [migrationLockKey.toString()])
    } finally {
      clearTimeout(waiting)
    }
    const query: RawQuery = (sql, params) => client.query(sql, params)
    try {
      await runMigrations(query, () => migrateNodePostgres(drizzleNodePostgres({ client }), migrationConfig()), logger)
    } finally {
      await client.query('select pg_advisory_unlock($1)', [migrationLockKey.toString()]).catch(() => {
        broken = true
      })
    }
  } catch (err) {
    broken = true
    throw err
  } finally {
    // A connection whose state is unknown (failed unlock, aborted transaction) is destroyed, not reused.
    client.release(broken)
  }
}

async function runMigrations(query: RawQuery, migrate: () => Promise<void>, logger?: StoreLogger): Promise<void> {
  const before = await countApplied(query)
  try {
    await migrate()
  } catch (err) {
    if (err instanceof DatabaseMigrationError) throw err
    const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err
    throw new DatabaseMigrationError('database migration failed; no migration of this run was applied', {
      cause: err,
      details: cause instanceof Error ? cause.message : String(cause),
      metaMessages: [`The last migrations recorded are in ${migrationsSchema}.${migrationsTable}.`],
    })
  }
  const after = await countApplied(query)
  if (after > before) logger?.info({ applied: after - before, total: after }, 'database migrations applied')
  else logger?.debug({ total: after }, 'database schema is up to date')
}

async function countApplied(query: RawQuery): Promise<number> {
  const exists = await query('select to_regclass($1) is not null as "exists"', [
    `${migrationsSchema}.${migrationsTable}`,
  ])
  if (exists.rows[0]?.exists !== true) return 0
  const result = await query(`select count(*)::int as "count" from "${migrationsSchema}"."${migrationsTable}"`)
  return Number(result.rows[0]?.count ?? 0)
}
