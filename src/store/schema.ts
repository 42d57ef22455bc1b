/**
 * The tables of avskit's database, one group per repository file (`kvRepository.ts` for `kv`). The same schema
 * runs on PGlite and on PostgreSQL.
 *
 * Migrations are generated from this file by drizzle-kit and applied at open (`migrateDatabase.ts`). After
 * changing a table, generate the next migration with:
 *
 *   npx drizzle-kit generate --dialect postgresql --schema src/store/schema.ts --out src/store/migrations --name <what>
 *
 * and commit the SQL and `meta/` files. Never edit a migration that has been committed: add a new one.
 */
import { jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core'

/**
 * Small named JSON documents: the devnet's deployment and operator summary, cursors, singletons. Anything with
 * many rows or queried by field gets its own table.
 */
export const kv = pgTable('kv', {
  key: text('key').primaryKey(),
  value: jsonb('value').$type<unknown>().notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
})
