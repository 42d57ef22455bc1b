/**
 * Advisory lock keys from names. Postgres identifies an advisory lock by one signed 64-bit integer; deriving it
 * from a readable name (`avskit:exporter-writer`) keeps keys stable across releases and unlikely to collide with
 * another application's keys in a shared database.
 */
import { sha256 } from '@noble/hashes/sha2.js'

/** The first 8 bytes of sha256(name) as a signed 64-bit integer (Postgres `bigint`). */
export function advisoryLockKey(name: string): bigint {
  const digest = sha256(new TextEncoder().encode(name))
  return new DataView(digest.buffer, digest.byteOffset, 8).getBigInt64(0)
}

/** Held while migrations run, so that processes opening the same database at once migrate it one at a time. */
export const migrationLockKey = advisoryLockKey('avskit:migrations')
