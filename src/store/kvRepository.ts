/**
 * The `kv` table: small named JSON documents (devnet summary, cursors, singletons). Writes of many keys are one
 * multi-row upsert (`INSERT … VALUES (…), (…) ON CONFLICT (key) DO UPDATE`), not one statement per key.
 */
import { asc, eq, inArray, like, sql } from 'drizzle-orm'
import { InvalidInputError } from '../core/errors.js'
import type { DrizzleExecutor } from './database.js'
import { kv } from './schema/index.js'

export type KvEntry<value = unknown> = { key: string; value: value; updatedAt: Date }

export type KvRepository = {
  /** The value stored under `key`, or undefined. */
  get<value = unknown>(key: string): Promise<value | undefined>
  /** The value with its last update time. */
  getEntry<value = unknown>(key: string): Promise<KvEntry<value> | undefined>
  /** Values of the keys that exist, in one query. */
  getMany(keys: readonly string[]): Promise<Map<string, unknown>>
  /** Entries whose key starts with `prefix`, ordered by key. */
  list(prefix?: string): Promise<KvEntry[]>
  set(key: string, value: unknown): Promise<void>
  /** Upserts all entries in one statement (chunks of 10 000 rows in one transaction beyond that). A key given twice keeps its last value. */
  setMany(entries: Iterable<readonly [string, unknown]> | Readonly<Record<string, unknown>>): Promise<void>
  /** True when the key existed. */
  delete(key: string): Promise<boolean>
}

/** Rows per statement: 2 parameters a row stays far below Postgres' 65 535-parameter limit. */
const maxRowsPerStatement = 10_000

/**
 * Creates the repository over a database or an open transaction.
 *
 * @example
 * const kv = createKvRepository(database.db)
 * await kv.setMany({ 'devnet:chainId': 31337, 'devnet:operators': operators })
 * await database.transaction(async (tx) => createKvRepository(tx).set('cursor', 42))
 */
export function createKvRepository(db: DrizzleExecutor): KvRepository {
  const upsert = (executor: DrizzleExecutor, rows: { key: string; value: unknown }[]) =>
    executor
      .insert(kv)
      .values(rows.map((row) => ({ key: row.key, value: jsonbValue(row.key, row.value) })))
      .onConflictDoUpdate({ target: kv.key, set: { value: sql`excluded.value`, updatedAt: sql`now()` } })

  const getEntry = async <value>(key: string): Promise<KvEntry<value> | undefined> => {
    const [row] = await db.select().from(kv).where(eq(kv.key, key)).limit(1)
    return row === undefined ? undefined : { key: row.key, value: row.value as value, updatedAt: row.updatedAt }
  }

  return {
    getEntry,
    async get<value>(key: string) {
      return (await getEntry<value>(key))?.value
    },
    async getMany(keys) {
      if (keys.length === 0) return new Map()
      const rows = await db
        .select({ key: kv.key, value: kv.value })
        .from(kv)
        .where(inArray(kv.key, [...new Set(keys)]))
      return new Map(rows.map((row) => [row.key, row.value]))
    },
    async list(prefix = '') {
      const pattern = `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`
      return db.select().from(kv).where(like(kv.key, pattern)).orderBy(asc(kv.key))
    },
    async set(key, value) {
      await upsert(db, [{ key, value }])
    },
    async setMany(entries) {
      const unique = new Map<string, unknown>(
        Symbol.iterator in entries
          ? (entries as Iterable<readonly [string, unknown]>)
          : Object.entries(entries as Readonly<Record<string, unknown>>),
      )
      const rows = [...unique].map(([key, value]) => ({ key, value }))
      if (rows.length === 0) return
      if (rows.length <= maxRowsPerStatement) {
        await upsert(db, rows)
        return
      }
      await db.transaction(async (tx) => {
        for (let start = 0; start < rows.length; start += maxRowsPerStatement) {
          await upsert(tx, rows.slice(start, start + maxRowsPerStatement))
        }
      })
    },
    async delete(key) {
      const deleted = await db.delete(kv).where(eq(kv.key, key)).returning({ key: kv.key })
      return deleted.length > 0
    },
  }
}

/**
 * The value as a jsonb literal. Encoding it here (instead of leaving it to the driver) stores `null` as JSON
 * null rather than SQL NULL, and reports a value JSON cannot hold (bigint, undefined, cycles) by its key.
 */
function jsonbValue(key: string, value: unknown) {
  let text: string | undefined
  try {
    text = JSON.stringify(value)
  } catch (err) {
    throw new InvalidInputError(`kv value for "${key}" is not JSON-serialisable`, { cause: err })
  }
  if (text === undefined)
    throw new InvalidInputError(`kv value for "${key}" is not JSON-serialisable (got ${typeof value})`)
  return sql`${text}::jsonb`
}
