/**
 * The operator pool's rows (`schema/pool.ts`): check-ins written as multi-row upserts, liveness transitions
 * recorded once across replicas, and the alert outbox leased with `FOR UPDATE SKIP LOCKED`.
 *
 * Check-ins: one `INSERT … SELECT … FROM unnest($1::text[], …) ON CONFLICT (address) DO UPDATE … WHERE last_epoch <
 * excluded.last_epoch`. The condition runs inside the database, so a replayed epoch is refused even when the first
 * copy went to another replica; the rows the statement returns are the check-ins that were accepted. One array
 * parameter per column (12 in all, whatever the batch) and only the columns the database decides in RETURNING:
 * measured on PGlite, 28 µs a row in batches of 64 against 100 µs for a VALUES list of 768 parameters returning
 * every column.
 *
 * Transitions: `markOffline`/`markRecovered` flip `alert_state` with a conditional UPDATE and, in the same
 * transaction, queue one alert per channel. Two replicas running the same tick race on the row lock; the loser's
 * re-checked WHERE no longer matches, so each transition is recorded (and alerted) once.
 */
import { and, asc, count, eq, gt, inArray, isNull, lt, lte, notExists, or, sql } from 'drizzle-orm'
import { alias } from 'drizzle-orm/pg-core'
import type { DrizzleExecutor } from './database.js'
import { poolAlerts, poolOperators } from './schema/index.js'

export type PoolOperatorRow = typeof poolOperators.$inferSelect
export type PoolAlertRow = typeof poolAlerts.$inferSelect
export type PoolAlertKind = PoolAlertRow['kind']

/** What one accepted check-in writes. */
export type PoolCheckinWrite = {
  address: string
  operatorId: string
  lastCheckinAt: Date
  /** Signed epoch in seconds; 0 for an unauthenticated check-in. */
  lastEpoch: number
  authenticated: boolean
  peerAddress: string
  reportedIp: string
  version: string
  metricsPort: number
  blockNumber: number
  eventCount: number
  supportedChainIds: number[]
}

/** The operator as an alert remembers it (JSON in `pool_alerts.operator`). */
export type PoolAlertOperator = {
  address: string
  operatorId: string
  version: string
  lastCheckinAt: string
  blockNumber: number
  eventCount: number
  peerAddress: string
  /** When the operator was marked offline (recovery alerts). */
  offlineSince?: string
}

export type MarkTransitionParameters = {
  /** Check-ins before this instant count as offline. */
  cutoff: Date
  /** The alert channels to queue one alert each for. */
  channels: readonly string[]
  now: Date
}

export type PoolRepository = {
  /**
   * Writes check-ins in one statement (chunks of 2 000 rows); returns the stored rows of the check-ins that were
   * accepted, by address. A signed check-in is refused when its epoch is not newer than the stored one; of several
   * for one address in the same call, only the newest is tried.
   */
  recordCheckins(rows: readonly PoolCheckinWrite[]): Promise<Map<string, PoolOperatorRow>>
  getOperator(address: string): Promise<PoolOperatorRow | undefined>
  /** Every operator, ordered by address. */
  listOperators(): Promise<PoolOperatorRow[]>
  /** Operators whose last check-in is after `since`. */
  listOperatorsCheckedInSince(since: Date): Promise<PoolOperatorRow[]>
  /** Address, last check-in and count of the operators checked in after `since`: enough to see what changed. */
  listCheckinMarksSince(since: Date): Promise<{ address: string; lastCheckinAt: Date; checkinCount: number }[]>
  /** The rows of these operators. */
  getOperators(addresses: readonly string[]): Promise<PoolOperatorRow[]>
  countOperators(): Promise<number>
  /** Removes operators (deregistered ones); returns the addresses that were there. */
  deleteOperators(addresses: readonly string[]): Promise<string[]>
  /** Online operators whose last check-in is before `cutoff` become offline; queues their alerts. */
  markOffline(parameters: MarkTransitionParameters): Promise<PoolOperatorRow[]>
  /** Offline operators that checked in after `cutoff` become online again; queues recovery alerts. */
  markRecovered(parameters: MarkTransitionParameters): Promise<(PoolOperatorRow & { offlineSince: Date })[]>
  /**
   * Leases up to `limit` alerts due at `now` for `leaseMs`, counting an attempt each. An alert waits while an
   * earlier alert for the same operator and channel is undelivered, so an operator's alerts arrive in order.
   */
  claimAlerts(parameters: { now: Date; leaseMs: number; limit: number }): Promise<PoolAlertRow[]>
  markAlertDelivered(id: number, at: Date): Promise<void>
  /** Records a failed attempt and when to try again; releases the lease. */
  markAlertFailed(id: number, parameters: { error: string; nextAttemptAt: Date }): Promise<void>
  listAlerts(): Promise<PoolAlertRow[]>
  countUndeliveredAlerts(): Promise<number>
}

/** Rows per statement (alert rows use a VALUES list: 6 parameters a row, far below Postgres' 65 535 limit). */
const maxRowsPerStatement = 2_000

type StoredColumns = {
  address: string
  last_epoch: string | number
  checkin_count: string | number
  first_seen_at: Date | string
  alert_state: 'online' | 'offline'
  alert_state_at: Date | string
}

const asDate = (value: Date | string) => (value instanceof Date ? value : new Date(value))

/**
 * Creates the repository over a database or an open transaction.
 *
 * @example
 * const pool = createPoolRepository(database.db)
 * const accepted = await pool.recordCheckins(batch)
 * const operators = await pool.listOperators()
 */
export function createPoolRepository(db: DrizzleExecutor): PoolRepository {
  const inTransaction = <T>(fn: (tx: DrizzleExecutor) => Promise<T>): Promise<T> =>
    (db as { transaction: (f: (tx: DrizzleExecutor) => Promise<T>) => Promise<T> }).transaction(fn)

  return {
    async recordCheckins(rows) {
      const newest = new Map<string, PoolCheckinWrite>()
      for (const row of rows) {
        const seen = newest.get(row.address)
        if (!seen || !row.authenticated || row.lastEpoch > seen.lastEpoch) newest.set(row.address, row)
      }
      const unique = [...newest.values()]
      const accepted = new Map<string, PoolOperatorRow>()
      for (let start = 0; start < unique.length; start += maxRowsPerStatement) {
        const chunk = unique.slice(start, start + maxRowsPerStatement)
        const column = <T>(pick: (row: PoolCheckinWrite) => T) => sql.param(chunk.map(pick))
        const result = (await db.execute(sql`
          insert into pool_operators (address, operator_id, last_checkin_at, last_epoch, authenticated, peer_address,
            reported_ip, version, metrics_port, block_number, event_count, supported_chain_ids, first_seen_at,
            alert_state_at)
          select a, o, t, e, au, p, r, v, m, b, ev, c::bigint[], t, t
          from unnest(${column((r) => r.address)}::text[], ${column((r) => r.operatorId)}::text[],
            ${column((r) => r.lastCheckinAt.toISOString())}::timestamptz[], ${column((r) => String(r.lastEpoch))}::int8[],
            ${column((r) => r.authenticated)}::bool[], ${column((r) => r.peerAddress)}::text[],
            ${column((r) => r.reportedIp)}::text[], ${column((r) => r.version)}::text[],
            ${column((r) => r.metricsPort)}::int4[], ${column((r) => String(r.blockNumber))}::int8[],
            ${column((r) => String(r.eventCount))}::int8[],
            ${column((r) => `{${r.supportedChainIds.join(',')}}`)}::text[])
            as x(a, o, t, e, au, p, r, v, m, b, ev, c)
          on conflict (address) do update set
            operator_id = excluded.operator_id, last_checkin_at = excluded.last_checkin_at,
            last_epoch = greatest(pool_operators.last_epoch, excluded.last_epoch),
            authenticated = excluded.authenticated, peer_address = excluded.peer_address,
            reported_ip = excluded.reported_ip, version = excluded.version, metrics_port = excluded.metrics_port,
            block_number = excluded.block_number, event_count = excluded.event_count,
            supported_chain_ids = excluded.supported_chain_ids, checkin_count = pool_operators.checkin_count + 1
          where pool_operators.last_epoch < excluded.last_epoch or not excluded.authenticated
          returning address, last_epoch, checkin_count, first_seen_at, alert_state, alert_state_at`)) as unknown as {
          rows: StoredColumns[]
        }
        const byAddress = new Map(chunk.map((row) => [row.address, row]))
        for (const stored of result.rows) {
          const row = byAddress.get(stored.address) as PoolCheckinWrite
          accepted.set(stored.address, {
            ...row,
            lastEpoch: Number(stored.last_epoch),
            checkinCount: Number(stored.checkin_count),
            firstSeenAt: asDate(stored.first_seen_at),
            alertState: stored.alert_state,
            alertStateAt: asDate(stored.alert_state_at),
          })
        }
      }
      return accepted
    },

    async getOperator(address) {
      const [row] = await db.select().from(poolOperators).where(eq(poolOperators.address, address))
      return row
    },

    listOperators() {
      return db.select().from(poolOperators).orderBy(asc(poolOperators.address))
    },

    listOperatorsCheckedInSince(since) {
      return db.select().from(poolOperators).where(gt(poolOperators.lastCheckinAt, since))
    },

    listCheckinMarksSince(since) {
      return db
        .select({
          address: poolOperators.address,
          lastCheckinAt: poolOperators.lastCheckinAt,
          checkinCount: poolOperators.checkinCount,
        })
        .from(poolOperators)
        .where(gt(poolOperators.lastCheckinAt, since))
    },

    async getOperators(addresses) {
      if (addresses.length === 0) return []
      return db
        .select()
        .from(poolOperators)
        .where(inArray(poolOperators.address, [...addresses]))
    },

    async countOperators() {
      const [row] = await db.select({ n: count() }).from(poolOperators)
      return row?.n ?? 0
    },

    async deleteOperators(addresses) {
      if (addresses.length === 0) return []
      const deleted = await db
        .delete(poolOperators)
        .where(inArray(poolOperators.address, [...addresses]))
        .returning({ address: poolOperators.address })
      return deleted.map((row) => row.address)
    },

    markOffline({ cutoff, channels, now }) {
      return inTransaction(async (tx) => {
        const changed = await tx
          .update(poolOperators)
          .set({ alertState: 'offline', alertStateAt: now })
          .where(and(eq(poolOperators.alertState, 'online'), lt(poolOperators.lastCheckinAt, cutoff)))
          .returning()
        await queueAlerts(
          tx,
          'offline',
          channels,
          changed.map((row) => alertOperator(row)),
          now,
        )
        return changed
      })
    },

    markRecovered({ cutoff, channels, now }) {
      return inTransaction(async (tx) => {
        // Lock the candidates first to read when each went offline; a replica that raced us waits here and then
        // finds alert_state already 'online'.
        const candidates = await tx
          .select({ address: poolOperators.address, offlineSince: poolOperators.alertStateAt })
          .from(poolOperators)
          .where(and(eq(poolOperators.alertState, 'offline'), gt(poolOperators.lastCheckinAt, cutoff)))
          .for('update')
        if (candidates.length === 0) return []
        const offlineSince = new Map(candidates.map((c) => [c.address, c.offlineSince]))
        const changed = await tx
          .update(poolOperators)
          .set({ alertState: 'online', alertStateAt: now })
          .where(
            and(
              eq(poolOperators.alertState, 'offline'),
              inArray(
                poolOperators.address,
                candidates.map((c) => c.address),
              ),
            ),
          )
          .returning()
        const recovered = changed.map((row) => ({ ...row, offlineSince: offlineSince.get(row.address) ?? now }))
        await queueAlerts(
          tx,
          'recovered',
          channels,
          recovered.map((row) => alertOperator(row, row.offlineSince)),
          now,
        )
        return recovered
      })
    },

    claimAlerts({ now, leaseMs, limit }) {
      return inTransaction(async (tx) => {
        const earlier = alias(poolAlerts, 'earlier')
        const due = await tx
          .select({ id: poolAlerts.id })
          .from(poolAlerts)
          .where(
            and(
              isNull(poolAlerts.deliveredAt),
              lte(poolAlerts.nextAttemptAt, now),
              or(isNull(poolAlerts.leaseUntil), lte(poolAlerts.leaseUntil, now)),
              notExists(
                tx
                  .select({ one: sql`1` })
                  .from(earlier)
                  .where(
                    and(
                      eq(earlier.address, poolAlerts.address),
                      eq(earlier.channel, poolAlerts.channel),
                      lt(earlier.id, poolAlerts.id),
                      isNull(earlier.deliveredAt),
                    ),
                  ),
              ),
            ),
          )
          .orderBy(asc(poolAlerts.id))
          .limit(limit)
          .for('update', { of: poolAlerts, skipLocked: true })
        if (due.length === 0) return []
        return tx
          .update(poolAlerts)
          .set({ leaseUntil: new Date(now.getTime() + leaseMs), attempts: sql`${poolAlerts.attempts} + 1` })
          .where(
            inArray(
              poolAlerts.id,
              due.map((row) => row.id),
            ),
          )
          .returning()
      })
    },

    async markAlertDelivered(id, at) {
      await db
        .update(poolAlerts)
        .set({ deliveredAt: at, leaseUntil: null, lastError: null })
        .where(eq(poolAlerts.id, id))
    },

    async markAlertFailed(id, { error, nextAttemptAt }) {
      await db
        .update(poolAlerts)
        .set({ lastError: error.slice(0, 1000), nextAttemptAt, leaseUntil: null })
        .where(eq(poolAlerts.id, id))
    },

    listAlerts() {
      return db.select().from(poolAlerts).orderBy(asc(poolAlerts.id))
    },

    async countUndeliveredAlerts() {
      const [row] = await db.select({ n: count() }).from(poolAlerts).where(isNull(poolAlerts.deliveredAt))
      return row?.n ?? 0
    },
  }
}

function alertOperator(row: PoolOperatorRow, offlineSince?: Date): PoolAlertOperator {
  return {
    address: row.address,
    operatorId: row.operatorId,
    version: row.version,
    lastCheckinAt: row.lastCheckinAt.toISOString(),
    blockNumber: row.blockNumber,
    eventCount: row.eventCount,
    peerAddress: row.peerAddress,
    ...(offlineSince ? { offlineSince: offlineSince.toISOString() } : {}),
  }
}

async function queueAlerts(
  tx: DrizzleExecutor,
  kind: PoolAlertKind,
  channels: readonly string[],
  operators: PoolAlertOperator[],
  now: Date,
): Promise<void> {
  const rows = operators.flatMap((operator) =>
    channels.map((channel) => ({
      address: operator.address,
      kind,
      channel,
      operator,
      createdAt: now,
      nextAttemptAt: now,
    })),
  )
  for (let start = 0; start < rows.length; start += maxRowsPerStatement) {
    await tx.insert(poolAlerts).values(rows.slice(start, start + maxRowsPerStatement))
  }
}
