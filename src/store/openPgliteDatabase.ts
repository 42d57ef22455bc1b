/**
 * The embedded database: PGlite (Postgres compiled to WebAssembly) through drizzle's `pglite` driver. On disk in
 * the data folder, it runs on a thread of its own (`pgliteThreadClient.ts`: a service's event loop does not stop
 * for each statement); in memory (tests, dry runs), in this thread.
 */
import { mkdir } from 'node:fs/promises'
import { PGlite } from '@electric-sql/pglite'
import { drizzle } from 'drizzle-orm/pglite'
import { BaseError } from '../core/errors.js'
import type { Database, DrizzleDatabase, StoreLogger } from './database.js'
import { lockDataFolder } from './dataDirLock.js'
import { migratePgliteDatabase } from './migrateDatabase.js'
import { pgliteParsers } from './pgliteParsers.js'
import { type PgliteThreadClient, startPgliteThread } from './pgliteThreadClient.js'
import { assertChannelName } from './postgresListener.js'
import * as schema from './schema/index.js'

export type OpenPgliteDatabaseParameters = {
  /** The PGlite folder itself; in memory when omitted. */
  folder?: string | undefined
  /** Start an in-memory database from a `dumpDataDir()` tarball instead of running initdb (about 10× faster). */
  snapshot?: Blob | undefined
  logger?: StoreLogger | undefined
}

export async function openPgliteDatabase(parameters: OpenPgliteDatabaseParameters = {}): Promise<Database> {
  const { folder, snapshot, logger } = parameters
  const description = folder === undefined ? 'PGlite in memory' : `PGlite in ${folder}`
  if (folder !== undefined && snapshot !== undefined) {
    throw new BaseError('a PGlite snapshot can only start an in-memory database')
  }

  let unlock: (() => Promise<void>) | undefined
  if (folder !== undefined) {
    await mkdir(folder, { recursive: true, mode: 0o700 })
    unlock = await lockDataFolder(folder)
  }
  let client: PGlite | PgliteThreadClient
  try {
    client =
      folder === undefined
        ? await PGlite.create({ ...(snapshot === undefined ? {} : { loadDataDir: snapshot }), parsers: pgliteParsers })
        : await startPgliteThread(folder)
  } catch (err) {
    await unlock?.()
    throw new BaseError(`cannot open ${description}`, {
      cause: err,
      metaMessages: folder === undefined ? [] : [`If the folder is damaged, move it away to start an empty database.`],
    })
  }

  try {
    await migratePgliteDatabase(client, logger)
  } catch (err) {
    await client.close().catch(() => {})
    await unlock?.()
    throw err
  }

  const db: DrizzleDatabase = drizzle({ client: client as PGlite, schema })
  let closed = false
  const assertOpen = () => {
    if (closed) throw new BaseError(`${description} is closed`)
  }

  logger?.info({ database: description }, 'database opened')
  return {
    kind: 'pglite',
    description,
    db,
    get closed() {
      return closed
    },
    async query(sql, params = []) {
      assertOpen()
      const result = await client.query<never>(sql, params as unknown[])
      return { rows: result.rows, rowCount: Math.max(result.rows.length, result.affectedRows ?? 0) }
    },
    transaction(fn) {
      assertOpen()
      return db.transaction(fn)
    },
    async tryAdvisoryLock() {
      assertOpen()
      return true
    },
    async advisoryUnlock() {
      return !closed
    },
    async listen(channel, handler) {
      assertOpen()
      assertChannelName(channel)
      const unlisten = await client.listen(channel, (payload) => handler({ kind: 'notification', payload }))
      return async () => {
        if (!closed) await unlisten()
      }
    },
    async close() {
      if (closed) return
      closed = true
      await client.close()
      await unlock?.()
      logger?.info({ database: description }, 'database closed')
    },
  }
}
