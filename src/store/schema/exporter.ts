/**
 * The exporter's tables (`exporterRepository.ts`): what it indexed from the registry and the task manager, the
 * block headers its log sync remembers for reorg detection, and the stream outbox every `/stream` server reads.
 *
 * Every indexed row records the log that added it (block number, transaction, log index) and, once removed, the
 * log that removed it. Not the block's hash: the log sync rolls back every row of an orphaned block, so a stored
 * row's block is the canonical block of that number (the hashes of the last blocks are in `exporter_blocks`);
 * two 66-character hashes a row cost about 15 % of a backfill's COPY on PGlite. A reorganisation back to block A is then two statements per table: delete the
 * rows added above A, clear the removals above A. Insertion indexes (`index`) are assigned `max + 1` by the single
 * writer in chain order, so after such a rollback the chain that replaces the orphaned blocks gets exactly the
 * indexes an uninterrupted run would have given it.
 *
 * The tables are written in batches of thousands of rows during a backfill, so every column and index is paid
 * for once per event: rows hold what the messages and rollbacks need and nothing derived (a validator's operator
 * public keys are joined from `exporter_operators` when read), and the stream outbox refers to the row a message
 * shows instead of holding a copy of it. No index on `added_block`: indexes follow chain order, so the rows added
 * above a block are the top of the primary key, found by walking it down (`rollbackExporter.ts`); the index cost
 * about 10 % of a backfill on PGlite (measured: 100,000 validators, 2.45 s against 2.75 s a run).
 *
 * Operator ids are uint64 on chain: `numeric(20, 0)`, because Postgres `bigint` stops at 2^63 − 1.
 */
import { sql } from 'drizzle-orm'
import {
  bigint,
  index,
  integer,
  json,
  jsonb,
  numeric,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
} from 'drizzle-orm/pg-core'

/**
 * The log that added a row (block, transaction, log index) and the seq of the stream message that
 * announced it (see `exporterStream`).
 */
const addedColumns = () => ({
  addedBlock: bigint('added_block', { mode: 'number' }).notNull(),
  addedTransaction: text('added_transaction').notNull(),
  addedLogIndex: integer('added_log_index').notNull(),
  addedSeq: bigint('added_seq', { mode: 'number' }).notNull(),
})

/** The log that removed a row and the seq of its stream message; all null while the row is live. */
const removedColumns = () => ({
  removedBlock: bigint('removed_block', { mode: 'number' }),
  removedTransaction: text('removed_transaction'),
  removedLogIndex: integer('removed_log_index'),
  removedSeq: bigint('removed_seq', { mode: 'number' }),
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
    index('exporter_operators_removed_block').on(table.removedBlock).where(sql`${table.removedBlock} is not null`),
  ],
)

/**
 * Registry validators (`ValidatorAdded` / `ValidatorRemoved`). A removed validator may be registered again: that
 * is a new row with a new index. At most one row per public key is live (not removed): the registry refuses a
 * second registration of a live key, so no unique index enforces it here. The public key index is a hash index,
 * which serves the equality lookups (removals, `/query` by key) at less cost per insert than a B-tree of
 * 98-character keys (measured here for 100,000 validators: 13–30 % less write time, on PGlite and PostgreSQL).
 */
export const exporterValidators = pgTable(
  'exporter_validators',
  {
    /** The exporter's insertion index, 0-based, in chain order: `/query`'s `from`/`to` for validators. */
    index: integer('index').primaryKey(),
    publicKey: text('public_key').notNull(),
    owner: text('owner').notNull(),
    /**
     * In the registry's order. Their public keys are joined from `exporter_operators` when read: the registry only
     * accepts active operators, so every operator a validator names was added before it, and an operator's row
     * never changes its key (nor leaves, except in a rollback that takes the validator with it).
     */
    operatorIds: numeric('operator_ids', { precision: 20, scale: 0 }).array().notNull(),
    ...addedColumns(),
    ...removedColumns(),
  },
  (table) => [
    index('exporter_validators_public_key').using('hash', table.publicKey),
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
 * describes. A message's seq is the `cursor` clients resume from, assigned `max + 1` by the writer under the stream
 * lock (so the same chain always gets the same seqs, and a restarted writer continues without a gap).
 *
 * A row of the outbox holds one message or a run of them:
 * - By reference (`ref`, no `payload`): operator or validator additions and removals, the bulk of the stream. The
 *   row stands for `count` messages, seqs `seq … seq + count − 1`, about the rows `ref … ref + count − 1` (indexes)
 *   of its type: a backfill batch of 5,000 validators is one outbox row. Each message is its row's addition or
 *   removal, whichever of the row's `added_seq` and `removed_seq` equals the message's seq, and is built from the
 *   row when read, exactly as `/query` builds it.
 * - As text (`payload`, `count` 1): decided messages (their certificate goes through `jsonb` in
 *   `exporter_decided`, whose key order would not survive), retractions and the rows a rollback re-sends, and every
 *   referenced message whose row a rollback deletes or whose removal it undoes: its text is written out first (the
 *   run split around it), so a client replaying from an old cursor still gets the orphaned messages as they were
 *   sent. `json`, not `jsonb`: kept byte for byte and in key order, never queried into.
 *
 * `key` is what a subscription's `publicKey` filter matches, lower-case, for messages stored as text: the row's
 * public key, the decided message's task manager; null for retractions (and for references: their rows have it).
 */
export const exporterStream = pgTable('exporter_stream', {
  /** The seq of the row's (first) message. */
  seq: bigint('seq', { mode: 'bigint' }).primaryKey(),
  /** operator | validator | decided | retraction */
  type: text('type').notNull(),
  ref: integer('ref'),
  count: integer('count').notNull().default(1),
  key: text('key'),
  payload: json('payload'),
})
