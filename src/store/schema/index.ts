/**
 * The tables of avskit's database: one file per table group, each with its repository file in `store/`
 * (`kv.ts` ↔ `kvRepository.ts`). The same schema runs on PGlite and on PostgreSQL.
 *
 * Migrations are generated from these files by drizzle-kit (config in `drizzle.config.ts`) and applied at open
 * (`migrateDatabase.ts`). After changing a table, generate the next migration with
 *
 *   npx drizzle-kit generate --name <what>
 *
 * and commit the SQL and `meta/` files. Never edit a migration that has been committed: add a new one.
 */

export * from './aggregation.js'
export * from './exporter.js'
export * from './kv.js'
export * from './pool.js'
