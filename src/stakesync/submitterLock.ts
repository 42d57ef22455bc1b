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
import { advisoryLockKey, type Database } from '../store/index.js'

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
