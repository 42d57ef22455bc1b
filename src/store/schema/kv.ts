/** The `kv` table group (`kvRepository.ts`). */
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
