/**
 * The exporter's tables (`exporterRepository.ts`): what it indexed from the registry and the task manager, the
 * block headers its log sync remembers for reorg detection, and the stream outbox every `/stream` server reads.
 *
 * Every indexed row records the log that added it (block number and hash, transaction, log index) and, once
 * removed, the log that removed it. A reorganisation back to block A is then two statements per table: delete
 * the rows added above A, clear the removals above A. Insertion indexes (`index`) are assigned `max + 1` by the
 * single writer in chain order, so after such a rollback the chain that replaces the orphaned blocks gets exactly
 * the indexes an uninterrupted run would have given it.
 *
 * Operator ids are uint64 on chain: `numeric(20, 0)`, because Postgres `bigint` stops at 2^63 − 1.
 */
import { sql } from 'drizzle-orm'
import {
  bigint,
  bigserial,
  index,
  integer,
  json,
  jsonb,
  numeric,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core'

/** The log that added a row: block, block hash, transaction, log index. */
const addedColumns = () => ({
  addedBlock: bigint('added_block', { mode: 'number' }).notNull(),
  addedBlockHash: text('added_block_hash').notNull(),
  addedTransaction: text('added_transaction').notNull(),
  addedLogIndex: integer('added_log_index').notNull(),
})

/** The log that removed a row; all null while it is live. */
const removedColumns = () => ({
  removedBlock: bigint('removed_block', { mode: 'number' }),
  removedBlockHash: text('removed_block_hash'),
  removedTransaction: text('removed_transaction'),
  removedLogIndex: integer('removed_log_index'),
})

/** Registry operators (`OperatorAdded` / `OperatorRemoved`). Public keys are lower-case hex. */
export const exporterOperators = pgTable(
  'exporter_operators',
  {
    /** The exporter's insertion index, 0-based, in chain order: `/query`'s `from`/`to` for operators. */
    index: integer('index').primaryKey(),
    operatorId: numeric('operator_id', { precision: 20, scale: 0 }).notNull(),
    owner: text('owner').notNull(),
    publicKey: text('public_key').notNull(),
    /** uint256, decimal. */
    fee: numeric('fee', { precision: 78, scale: 0 }).notNull(),
    ...addedColumns(),
    ...removedColumns(),
  },
  (table) => [
    // The registry never reuses an operator id.
    uniqueIndex('exporter_operators_operator_id').on(table.operatorId),
    index('exporter_operators_added_block').on(table.addedBlock),
    index('exporter_operators_removed_block').on(table.removedBlock).where(sql`${table.removedBlock} is not null`),
  ],
)

/**
 * Registry validators (`ValidatorAdded` / `ValidatorRemoved`). A removed validator may be registered again: that
 * is a new row with a new index; at most one row per public key is live (not removed).
 */
export const exporterValidators = pgTable(
  'exporter_validators',
  {
    /** The exporter's insertion index, 0-based, in chain order: `/query`'s `from`/`to` for validators. */
    index: integer('index').primaryKey(),
    publicKey: text('public_key').notNull(),
    owner: text('owner').notNull(),
    operatorIds: numeric('operator_ids', { precision: 20, scale: 0 }).array().notNull(),
    /**
     * The public key of each operator in `operator_ids` (same order) as indexed when the validator was added;
     * null for an operator the exporter never saw (added before `--from-block`). Resolved once at insert, so a
     * validator's message is the same in `/query` and in the stream outbox.
     */
    operatorPublicKeys: text('operator_public_keys').array().notNull(),
    ...addedColumns(),
    ...removedColumns(),
  },
  (table) => [
    uniqueIndex('exporter_validators_live_public_key').on(table.publicKey).where(sql`${table.removedBlock} is null`),
    index('exporter_validators_added_block').on(table.addedBlock),
    index('exporter_validators_removed_block').on(table.removedBlock).where(sql`${table.removedBlock} is not null`),
  ],
)

/** Certified task responses (`TaskResponded`): the SSV exporter's "decided" messages, one per task. */
export const exporterDecided = pgTable(
  'exporter_decided',
  {
    /** Lower-case address: `/query`'s `publicKey` for decided, matched case-insensitively. */
    taskManager: text('task_manager').notNull(),
    /** `referenceTaskIndex`: the decided message's sequence number. */
    taskIndex: bigint('task_index', { mode: 'number' }).notNull(),
    result: text('result').notNull(),
    signerIds: text('signer_ids').array().notNull(),
    nonSignerIds: text('non_signer_ids').array().notNull(),
    quorumNumbers: integer('quorum_numbers').array().notNull(),
    quorumThresholdPercentage: integer('quorum_threshold_percentage').notNull(),
    /** `taskCreatedBlock`: the reference block the signatures were checked against. */
    referenceBlock: bigint('reference_block', { mode: 'number' }).notNull(),
    respondedBlock: bigint('responded_block', { mode: 'number' }).notNull(),
    hashOfNonSigners: text('hash_of_non_signers').notNull(),
    /** σ as 0x ‖ X ‖ Y (32 bytes each); null without a certificate. */
    signature: text('signature'),
    certificate: jsonb('certificate').$type<unknown>(),
    blockNumber: bigint('block_number', { mode: 'number' }).notNull(),
    blockHash: text('block_hash').notNull(),
    transactionHash: text('transaction_hash').notNull(),
    logIndex: integer('log_index').notNull(),
  },
  (table) => [
    // The TaskManager accepts one response per task: a second row for a task is a bug, and must fail loudly.
    primaryKey({ columns: [table.taskManager, table.taskIndex] }),
    index('exporter_decided_block_number').on(table.blockNumber),
  ],
)

/**
 * The headers a log sync remembers (its hash chain, for reorg detection), by sync name; the highest is its
 * checkpoint. Pruned to the last few hundred, deeper than any reorganisation the sync is meant to survive.
 */
export const exporterSyncBlocks = pgTable(
  'exporter_sync_blocks',
  {
    syncName: text('sync_name').notNull(),
    number: bigint('number', { mode: 'bigint' }).notNull(),
    hash: text('hash').notNull(),
    parentHash: text('parent_hash').notNull(),
  },
  (table) => [primaryKey({ columns: [table.syncName, table.number] })],
)

/**
 * The stream outbox: every message `/stream` sends, in order, written in the same transaction as the rows it
 * describes. `seq` is the `cursor` clients resume from. `payload` is the message's exact JSON text (`json`, not
 * `jsonb`: kept byte for byte and in key order, and never queried into, so a stream server sends it without
 * parsing or re-serialising it). `key` is what a subscription's `publicKey` filter matches, lower-case: the
 * operator's or validator's public key, the decided message's task manager; null for retractions.
 */
export const exporterStream = pgTable('exporter_stream', {
  seq: bigserial('seq', { mode: 'bigint' }).primaryKey(),
  /** operator | validator | decided | retraction */
  type: text('type').notNull(),
  key: text('key'),
  payload: json('payload').notNull(),
  /** The block of the change (the ancestor for a retraction; null when a retraction took back everything). */
  blockNumber: bigint('block_number', { mode: 'number' }),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date', precision: 3 }).notNull().defaultNow(),
})
