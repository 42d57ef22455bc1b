/**
 * One submitter per AVS: replicas of `avskit sync` share a database, and only the one holding the stake-sync lock
 * sends transactions; the others stand by and take over at their next round once it is free. On PostgreSQL this is
 * a session advisory lock (`Database.tryAdvisoryLock`): held on one connection for as long as the replica runs, and
 * released by the server if the replica dies. On the embedded PGlite store the lock is the data folder itself (one
 * process opens it), so `hold()` succeeds for the process that opened it.
 *
 * The key names the chain and the RegistryCoordinator, so syncs of different AVSs share one database freely.
 */
import type { Address } from 'viem'
import type { Logger } from '../core/logger.js'
import { advisoryLockKey, type Database, DatabaseInUseError } from '../store/index.js'

export type SubmitterLock = {
  /** Takes the lock, or confirms it is still held; false while another replica holds it. */
  hold(): Promise<boolean>
  release(): Promise<void>
}

export function stakeSyncLockName(chainId: number, registryCoordinator: Address): string {
  return `avskit:stakesync:${chainId}:${registryCoordinator.toLowerCase()}`
}

export function createDatabaseSubmitterLock(database: Database, name: string): SubmitterLock {
  const key = advisoryLockKey(name)
  return {
    hold: () => database.tryAdvisoryLock(key),
    async release() {
      if (!database.closed) await database.advisoryUnlock(key)
    },
  }
}

export type StoreSubmitterLock = SubmitterLock & {
  /** The database, once this replica could open it. */
  readonly database: Database | undefined
  /** Releases the lock and closes the database. */
  close(): Promise<void>
}

/**
 * The lock over a database this replica opens itself (`avskit sync`). An embedded PGlite folder that another
 * process has open (`DatabaseInUseError`) means that process is the submitter: `hold()` answers false and tries to
 * open it again at the next call, so a standby takes over once the other process exits.
 */
export function createStoreSubmitterLock(parameters: {
  open: () => Promise<Database>
  name: string
  logger: Logger
}): StoreSubmitterLock {
  let database: Database | undefined
  let lock: SubmitterLock | undefined
  let reportedInUse = false
  return {
    get database() {
      return database
    },
    async hold() {
      if (!database) {
        try {
          database = await parameters.open()
        } catch (error) {
          if (!(error instanceof DatabaseInUseError)) throw error
          if (!reportedInUse)
            parameters.logger.info({ reason: error.shortMessage }, 'the embedded store is in use: standing by')
          reportedInUse = true
          return false
        }
        lock = createDatabaseSubmitterLock(database, parameters.name)
      }
      return (lock as SubmitterLock).hold()
    },
    async release() {
      await lock?.release()
    },
    async close() {
      await lock?.release().catch(() => {})
      await database?.close()
      database = undefined
      lock = undefined
    },
  }
}
