/**
 * The aggregation table group (`aggregationRepository.ts`): BLS aggregation tasks, the signatures accepted for
 * them (only verified ones), and equivocation evidence. Enough to resume every unfinished task after a restart
 * without any operator re-sending.
 */
import { bigint, index, integer, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core'

export const aggregationTasks = pgTable(
  'aggregation_tasks',
  {
    taskIndex: bigint('task_index', { mode: 'bigint' }).primaryKey(),
    referenceBlock: bigint('reference_block', { mode: 'bigint' }).notNull(),
    /** Quorum numbers, ascending. */
    quorumNumbers: jsonb('quorum_numbers').$type<number[]>().notNull(),
    /** Threshold percentage per quorum, in the order of `quorum_numbers`. */
    thresholdPercentages: jsonb('threshold_percentages').$type<number[]>().notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }),
    expiryBlock: bigint('expiry_block', { mode: 'bigint' }),
    collectionWindowMs: integer('collection_window_ms').notNull().default(0),
    /** Whatever the caller attaches (the on-chain task struct, for one). */
    metadata: jsonb('metadata').$type<unknown>(),
    /** pending | certified | expired */
    status: text('status').notNull().default('pending'),
    /** The winning response digest and its certificate, once certified. */
    digest: text('digest'),
    certificate: jsonb('certificate').$type<unknown>(),
    /** Why a task expired, in words. */
    outcome: text('outcome'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    finishedAt: timestamp('finished_at', { withTimezone: true, mode: 'date' }),
  },
  (table) => [index('aggregation_tasks_status').on(table.status)],
)

export const aggregationSignatures = pgTable(
  'aggregation_signatures',
  {
    taskIndex: bigint('task_index', { mode: 'bigint' }).notNull(),
    operatorId: text('operator_id').notNull(),
    digest: text('digest').notNull(),
    /** G1 signature as {"x","y"} decimal strings. */
    signature: jsonb('signature').$type<{ x: string; y: string }>().notNull(),
    /** The signed response itself, so the winner can be submitted (e.g. the TaskResponse struct). */
    response: jsonb('response').$type<unknown>(),
    acceptedAt: timestamp('accepted_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (table) => [primaryKey({ columns: [table.taskIndex, table.operatorId] })],
)

export const aggregationEquivocations = pgTable(
  'aggregation_equivocations',
  {
    taskIndex: bigint('task_index', { mode: 'bigint' }).notNull(),
    operatorId: text('operator_id').notNull(),
    firstDigest: text('first_digest').notNull(),
    firstSignature: jsonb('first_signature').$type<{ x: string; y: string }>().notNull(),
    secondDigest: text('second_digest').notNull(),
    secondSignature: jsonb('second_signature').$type<{ x: string; y: string }>().notNull(),
    recordedAt: timestamp('recorded_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (table) => [primaryKey({ columns: [table.taskIndex, table.operatorId, table.secondDigest] })],
)
