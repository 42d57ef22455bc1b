/**
 * Fencing tokens for single-writer roles (the exporter's writer). An advisory lock decides who should write, but
 * a writer whose lock connection dropped can still hold an open transaction while a replica takes over; the
 * token makes that transaction fail instead of writing beside the new writer. Each new writer takes the next
 * token; every write transaction first checks that the stored token is still its own. The check row-locks the
 * token, so a takeover and an old writer's commit are ordered: whichever comes second sees the other.
 */
import { sql } from 'drizzle-orm'
import { BaseError } from '../core/errors.js'
import type { DrizzleExecutor } from './database.js'
import { kv } from './schema/index.js'

export class FencedWriterError extends BaseError {
  override name = 'FencedWriterError'
  constructor(role: string, token: bigint) {
    super(`another ${role} writer took over (this writer's token ${token} is no longer current)`)
  }
}

const keyOf = (role: string) => `fencing-token:${role}`

/** Takes the next token of `role`: call after winning its lock, before the first write. */
export async function takeFencingToken(db: DrizzleExecutor, role: string): Promise<bigint> {
  const result = (await db.execute(sql`
    insert into ${kv} (key, value) values (${keyOf(role)}, '1'::jsonb)
    on conflict (key) do update set value = to_jsonb((${kv.value} #>> '{}')::bigint + 1), updated_at = now()
    returning value #>> '{}' as token`)) as unknown as { rows: { token: string }[] }
  const token = result.rows[0]?.token
  if (token === undefined) throw new BaseError(`could not take a fencing token for ${role}`)
  return BigInt(token)
}

/** Throws `FencedWriterError` unless `token` is still the current token of `role`. Call inside the write transaction. */
export async function assertFencingToken(db: DrizzleExecutor, role: string, token: bigint): Promise<void> {
  const result = (await db.execute(sql`
    update ${kv} set updated_at = now()
    where key = ${keyOf(role)} and value = to_jsonb(${token.toString()}::bigint)
    returning key`)) as unknown as { rows: unknown[] }
  if (result.rows.length !== 1) throw new FencedWriterError(role, token)
}
