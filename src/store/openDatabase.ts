/**
 * Opens avskit's database: PostgreSQL when a URL is given (production, many processes), otherwise the embedded
 * PGlite in the data folder (one process, zero setup). Migrations are applied before it returns.
 */
import { join } from 'node:path'
import type { InvalidInputError } from '../core/errors.js'
import type { Database, StoreLogger } from './database.js'
import type { DatabaseConnectionError, DatabaseInUseError, DatabaseMigrationError } from './databaseErrors.js'
import { openPgliteDatabase } from './openPgliteDatabase.js'
import { openPostgresDatabase } from './openPostgresDatabase.js'

export type OpenDatabaseParameters = {
  /** `postgres://user:password@host:5432/database` (`--database-url`). Takes precedence over `dataDir`. */
  url?: string | undefined
  /** avskit's data folder; the embedded database lives in `<dataDir>/pglite`. */
  dataDir?: string | undefined
  logger?: StoreLogger | undefined
  /** PGlite without a data folder only: start from a `dumpDataDir()` tarball (tests clone a migrated template). */
  pgliteSnapshot?: Blob | undefined
  /** Postgres only: connection pool size. Default 10. */
  maxConnections?: number | undefined
}

export type OpenDatabaseErrorType =
  | InvalidInputError
  | DatabaseConnectionError
  | DatabaseMigrationError
  | DatabaseInUseError

/**
 * Opens the database and applies pending migrations.
 *
 * - `url` → PostgreSQL through a connection pool; errors name the server without its credentials.
 * - `dataDir` → PGlite on disk in `<dataDir>/pglite`, locked against a second process.
 * - neither → PGlite in memory: nothing persists (tests, dry runs).
 *
 * @example
 * const database = await openDatabase({ url: options.databaseUrl, dataDir: options.dataDir, logger })
 * const kv = createKvRepository(database.db)
 * await kv.set('devnet', summary)
 * await database.close()
 */
export async function openDatabase(parameters: OpenDatabaseParameters = {}): Promise<Database> {
  const { url, dataDir, logger } = parameters
  if (url !== undefined && url !== '') {
    return openPostgresDatabase({ url, logger, maxConnections: parameters.maxConnections })
  }
  if (dataDir !== undefined && dataDir !== '') {
    return openPgliteDatabase({ folder: join(dataDir, 'pglite'), logger })
  }
  return openPgliteDatabase({ snapshot: parameters.pgliteSnapshot, logger })
}
