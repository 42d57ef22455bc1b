/** The operator pool's tables (`poolRepository.ts`). */
import { sql } from 'drizzle-orm'
import { bigint, boolean, index, integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core'

const time = (name: string) => timestamp(name, { withTimezone: true, mode: 'date', precision: 3 })

/**
 * One row per operator that has checked in, keyed by checksummed address. Every check-in replaces the reported
 * fields; `last_epoch` only moves forward (the upsert is conditional on it), which is what refuses a replayed
 * check-in even when it reaches another aggregator replica. `alert_state` is the last state an alert was raised
 * for (online/offline): a transition is recorded by the one conditional UPDATE that flips it.
 */
export const poolOperators = pgTable('pool_operators', {
  address: text('address').primaryKey(),
  operatorId: text('operator_id').notNull(),
  /** Server receive time of the last accepted check-in. */
  lastCheckinAt: time('last_checkin_at').notNull(),
  /** Epoch (seconds) of the last accepted signed check-in; 0 for unauthenticated ones. */
  lastEpoch: bigint('last_epoch', { mode: 'number' }).notNull(),
  authenticated: boolean('authenticated').notNull(),
  /** The gRPC peer (`ip:port`) the check-in came from. */
  peerAddress: text('peer_address').notNull(),
  /** The IP the operator says it has (`remoteIP`), kept apart from the observed peer. */
  reportedIp: text('reported_ip').notNull(),
  version: text('version').notNull(),
  metricsPort: integer('metrics_port').notNull(),
  blockNumber: bigint('block_number', { mode: 'number' }).notNull(),
  eventCount: bigint('event_count', { mode: 'number' }).notNull(),
  supportedChainIds: bigint('supported_chain_ids', { mode: 'number' }).array().notNull(),
  firstSeenAt: time('first_seen_at').notNull(),
  checkinCount: bigint('checkin_count', { mode: 'number' }).notNull().default(1),
  alertState: text('alert_state').$type<'online' | 'offline'>().notNull().default('online'),
  alertStateAt: time('alert_state_at').notNull().defaultNow(),
})

/**
 * The alert outbox: one row per transition and channel, delivered (and retried) by whichever replica leases it.
 * `operator` is the operator's row at the transition, so the message says what was known then.
 */
export const poolAlerts = pgTable(
  'pool_alerts',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    address: text('address').notNull(),
    kind: text('kind').$type<'offline' | 'recovered'>().notNull(),
    channel: text('channel').notNull(),
    operator: jsonb('operator').$type<Record<string, unknown>>().notNull(),
    createdAt: time('created_at').notNull().defaultNow(),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: time('next_attempt_at').notNull().defaultNow(),
    leaseUntil: time('lease_until'),
    deliveredAt: time('delivered_at'),
    lastError: text('last_error'),
  },
  (table) => [index('pool_alerts_pending_idx').on(table.nextAttemptAt).where(sql`${table.deliveredAt} is null`)],
)
