/**
 * The metrics catalogue: every Prometheus metric avskit exports is declared here, once, with its labels and a
 * unit suffix in its name. Each process builds one catalogue on its own registry (never prom-client's global
 * one), so several services in one process (the devnet) or in one test never collide.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'

export type Metrics = ReturnType<typeof createMetrics>

export function createMetrics(parameters: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry()
  if (parameters.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'avskit_' })
  const registers = [registry]

  return {
    registry,
    chain: {
      rpcRequestsTotal: new Counter({
        name: 'avskit_rpc_requests_total',
        help: 'JSON-RPC requests sent to the Ethereum node, by method and outcome',
        labelNames: ['method', 'status'] as const,
        registers,
      }),
      transactionsTotal: new Counter({
        name: 'avskit_transactions_total',
        help: 'Transactions sent, by function and outcome (success, reverted, failed)',
        labelNames: ['function', 'status'] as const,
        registers,
      }),
      transactionConfirmationSeconds: new Histogram({
        name: 'avskit_transaction_confirmation_seconds',
        help: 'Time from sending a transaction to its receipt',
        labelNames: ['function'] as const,
        buckets: [0.1, 0.5, 1, 2, 5, 12, 30, 60, 120],
        registers,
      }),
      transactionGasUsed: new Histogram({
        name: 'avskit_transaction_gas_used',
        help: 'Gas used by confirmed transactions',
        labelNames: ['function'] as const,
        buckets: [21_000, 50_000, 100_000, 250_000, 500_000, 1_000_000, 3_000_000, 10_000_000],
        registers,
      }),
    },
    aggregation: {
      responsesTotal: new Counter({
        name: 'avskit_aggregation_responses_total',
        help: 'Signed task responses processed, by result (accepted or the rejection code)',
        labelNames: ['result'] as const,
        registers,
      }),
      verifyBatchSize: new Histogram({
        name: 'avskit_aggregation_verify_batch_size',
        help: 'Signatures verified together in one batch',
        buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096],
        registers,
      }),
      verifySeconds: new Histogram({
        name: 'avskit_aggregation_verify_seconds',
        help: 'Time to verify one batch of signatures (including bisection when a batch fails)',
        buckets: [0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3],
        registers,
      }),
      tasksTotal: new Counter({
        name: 'avskit_aggregation_tasks_total',
        help: 'Aggregation tasks finished, by outcome (certified, expired)',
        labelNames: ['outcome'] as const,
        registers,
      }),
      pendingTasks: new Gauge({
        name: 'avskit_aggregation_pending_tasks',
        help: 'Tasks still collecting signatures',
        registers,
      }),
      earlyResponses: new Gauge({
        name: 'avskit_aggregation_early_responses',
        help: 'Signed responses waiting for their task to be initialized',
        registers,
      }),
    },
    pool: {
      checkinsTotal: new Counter({
        name: 'avskit_pool_checkins_total',
        help: 'Operator check-ins received, by outcome (accepted, or the rule that refused it)',
        labelNames: ['outcome'] as const,
        registers,
      }),
      checkinSeconds: new Histogram({
        name: 'avskit_pool_checkin_seconds',
        help: 'Time to answer a check-in, from receipt to stored (or refused)',
        buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1],
        registers,
      }),
      writeBatchSize: new Histogram({
        name: 'avskit_pool_write_batch_size',
        help: 'Check-ins written to the database in one statement',
        buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048],
        registers,
      }),
      writeQueueLength: new Gauge({
        name: 'avskit_pool_write_queue_length',
        help: 'Accepted check-ins waiting to be written',
        registers,
      }),
      registrationLookupsTotal: new Counter({
        name: 'avskit_pool_registration_lookups_total',
        help: 'Operator registration lookups, by result (cached, chain, failed)',
        labelNames: ['result'] as const,
        registers,
      }),
      registrationEventsTotal: new Counter({
        name: 'avskit_pool_registration_events_total',
        help: 'OperatorRegistered / OperatorDeregistered events applied to the registration cache',
        labelNames: ['event'] as const,
        registers,
      }),
      operators: new Gauge({
        name: 'avskit_pool_operators',
        help: 'Operators in the pool, by status (online, stale, offline)',
        labelNames: ['status'] as const,
        registers,
      }),
      alertsTotal: new Counter({
        name: 'avskit_pool_alerts_total',
        help: 'Alert delivery attempts, by channel, kind (offline, recovered) and outcome (delivered, failed)',
        labelNames: ['channel', 'kind', 'outcome'] as const,
        registers,
      }),
      alertsUndelivered: new Gauge({
        name: 'avskit_pool_alerts_undelivered',
        help: 'Alerts queued and not yet delivered',
        registers,
      }),
      dashboardClients: new Gauge({
        name: 'avskit_pool_dashboard_clients',
        help: 'Browsers following /telemetry live updates',
        registers,
      }),
      pingsTotal: new Counter({
        name: 'avskit_pool_pings_total',
        help: 'Check-ins sent by this operator, by outcome (ok, or the gRPC status name)',
        labelNames: ['outcome'] as const,
        registers,
      }),
    },
    raft: {
      term: new Gauge({
        name: 'avskit_raft_term',
        help: 'Current Raft term of a node',
        labelNames: ['node'] as const,
        registers,
      }),
      isLeader: new Gauge({
        name: 'avskit_raft_is_leader',
        help: '1 while the node leads its cluster, 0 otherwise',
        labelNames: ['node'] as const,
        registers,
      }),
      commitIndex: new Gauge({
        name: 'avskit_raft_commit_index',
        help: 'Highest log index the node knows to be committed',
        labelNames: ['node'] as const,
        registers,
      }),
      appliedIndex: new Gauge({
        name: 'avskit_raft_applied_index',
        help: 'Highest log index applied to the state machine',
        labelNames: ['node'] as const,
        registers,
      }),
      leaderChangesTotal: new Counter({
        name: 'avskit_raft_leader_changes_total',
        help: 'Times the node saw a different leader (or none)',
        labelNames: ['node'] as const,
        registers,
      }),
      proposalsTotal: new Counter({
        name: 'avskit_raft_proposals_total',
        help: 'Proposals made on this node, by outcome (committed, dropped, not_leader)',
        labelNames: ['node', 'outcome'] as const,
        registers,
      }),
      walSyncSeconds: new Histogram({
        name: 'avskit_raft_wal_sync_seconds',
        help: 'Time to write and fsync one Ready to the write-ahead log',
        labelNames: ['node'] as const,
        buckets: [0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5],
        registers,
      }),
      applyBatchSize: new Histogram({
        name: 'avskit_raft_apply_batch_size',
        help: 'Committed entries applied from one Ready',
        labelNames: ['node'] as const,
        buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096],
        registers,
      }),
      snapshotsTotal: new Counter({
        name: 'avskit_raft_snapshots_total',
        help: 'Snapshots taken of the local state or installed from the leader, by kind (taken, installed)',
        labelNames: ['node', 'kind'] as const,
        registers,
      }),
      messagesSentTotal: new Counter({
        name: 'avskit_raft_messages_sent_total',
        help: 'Raft messages handed to the transport, by type',
        labelNames: ['node', 'type'] as const,
        registers,
      }),
      messagesDroppedTotal: new Counter({
        name: 'avskit_raft_messages_dropped_total',
        help: 'Raft messages the transport dropped (peer queue full, peer unreachable, unknown peer)',
        labelNames: ['node', 'peer', 'reason'] as const,
        registers,
      }),
      peerQueueLength: new Gauge({
        name: 'avskit_raft_peer_queue_length',
        help: 'Raft messages queued for a peer and not yet written to its stream',
        labelNames: ['node', 'peer'] as const,
        registers,
      }),
      rejectedRequestsTotal: new Counter({
        name: 'avskit_raft_rejected_requests_total',
        help: 'Incoming Raft transport requests refused, by reason (unauthenticated, malformed, wrong_destination)',
        labelNames: ['node', 'reason'] as const,
        registers,
      }),
    },
    /** Stake sync. The first three keep avs-sync's names (Layr-Labs/avs-sync `avssync/metrics.go`) for its dashboards. */
    stakeSync: {
      updateStakeAttempt: new Counter({
        name: 'avssync_update_stake_attempt',
        help: 'Result of updating a quorum (or, with quorum "", an operator subset): succeed, or error after every retry failed',
        labelNames: ['status', 'quorum'] as const,
        registers,
      }),
      txRevertedTotal: new Counter({
        name: 'avssync_tx_reverted_total',
        help: 'Stake update transactions that were mined but reverted',
        registers,
      }),
      operatorsUpdated: new Gauge({
        name: 'avssync_operators_updated',
        help: 'Operators in the last update sent for the quorum',
        labelNames: ['quorum'] as const,
        registers,
      }),
      stakesChanged: new Gauge({
        name: 'avssync_stakes_changed',
        help: 'Operators of the quorum whose recorded stake differed from their current weight at the last read',
        labelNames: ['quorum'] as const,
        registers,
      }),
      skippedTotal: new Counter({
        name: 'avssync_skipped_total',
        help: 'Quorum updates not sent, by reason (unchanged, dry_run, over_gas_cap)',
        labelNames: ['quorum', 'reason'] as const,
        registers,
      }),
      roundsTotal: new Counter({
        name: 'avssync_rounds_total',
        help: 'Sync rounds, by outcome (completed, failed, standby: another replica holds the submitter lock)',
        labelNames: ['outcome'] as const,
        registers,
      }),
      retriesTotal: new Counter({
        name: 'avssync_retries_total',
        help: 'Attempts retried after a failure, by what failed (read, revert, send)',
        labelNames: ['quorum', 'failure'] as const,
        registers,
      }),
      gasUsedTotal: new Counter({
        name: 'avssync_gas_used_total',
        help: 'Gas used by mined stake update transactions, by function',
        labelNames: ['function'] as const,
        registers,
      }),
      quorumStalenessSeconds: new Gauge({
        name: 'avssync_quorum_staleness_seconds',
        help: "Age of the quorum's last full update (quorumUpdateBlockNumber); -1 when it was never updated in full",
        labelNames: ['quorum'] as const,
        registers,
      }),
      staleQuorums: new Gauge({
        name: 'avssync_stale_quorums',
        help: 'Quorums whose last full update is older than --max-staleness',
        registers,
      }),
      alertsTotal: new Counter({
        name: 'avssync_alerts_total',
        help: 'Staleness alert webhooks, by kind (stale, recovered) and outcome (delivered, failed)',
        labelNames: ['kind', 'outcome'] as const,
        registers,
      }),
      lastRoundTimestampSeconds: new Gauge({
        name: 'avssync_last_round_timestamp_seconds',
        help: 'Unix time at which the last completed sync round ended',
        registers,
      }),
      isSubmitter: new Gauge({
        name: 'avssync_is_submitter',
        help: '1 while this replica holds the submitter lock, 0 while another does',
        registers,
      }),
    },
    logSync: {
      headBlock: new Gauge({
        name: 'avskit_log_sync_head_block',
        help: 'Latest block number the Ethereum node reported, by log sync',
        labelNames: ['sync'] as const,
        registers,
      }),
      syncedBlock: new Gauge({
        name: 'avskit_log_sync_synced_block',
        help: 'Highest block whose logs are committed, by log sync',
        labelNames: ['sync'] as const,
        registers,
      }),
      logsTotal: new Counter({
        name: 'avskit_log_sync_logs_total',
        help: 'Logs fetched and committed, by log sync',
        labelNames: ['sync'] as const,
        registers,
      }),
      rangeBlocks: new Histogram({
        name: 'avskit_log_sync_range_blocks',
        help: 'Blocks per eth_getLogs request',
        labelNames: ['sync'] as const,
        buckets: [1, 10, 100, 1_000, 10_000, 100_000],
        registers,
      }),
      rangeShrinksTotal: new Counter({
        name: 'avskit_log_sync_range_shrinks_total',
        help: 'eth_getLogs ranges halved after the node refused them as too large',
        labelNames: ['sync'] as const,
        registers,
      }),
      reorgsTotal: new Counter({
        name: 'avskit_log_sync_reorgs_total',
        help: 'Reorganisations detected by the block-hash chain, by log sync',
        labelNames: ['sync'] as const,
        registers,
      }),
      rolledBackBlocksTotal: new Counter({
        name: 'avskit_log_sync_rolled_back_blocks_total',
        help: 'Blocks whose rows were rolled back after a reorganisation',
        labelNames: ['sync'] as const,
        registers,
      }),
    },
    exporter: {
      isWriter: new Gauge({
        name: 'avskit_exporter_is_writer',
        help: '1 while this exporter holds the writer lock and indexes, 0 while it only serves',
        registers,
      }),
      ready: new Gauge({
        name: 'avskit_exporter_ready',
        help: '1 once the indexed data reached the chain head',
        registers,
      }),
      rowsTotal: new Counter({
        name: 'avskit_exporter_rows_total',
        help: 'Rows indexed, by type (operator, validator, decided)',
        labelNames: ['type'] as const,
        registers,
      }),
      queriesTotal: new Counter({
        name: 'avskit_exporter_queries_total',
        help: '/query requests, by type and outcome (ok, error)',
        labelNames: ['type', 'outcome'] as const,
        registers,
      }),
      streamClients: new Gauge({
        name: 'avskit_exporter_stream_clients',
        help: 'Open /stream connections',
        registers,
      }),
      streamMessagesTotal: new Counter({
        name: 'avskit_exporter_stream_messages_total',
        help: 'Messages published to /stream, by type',
        labelNames: ['type'] as const,
        registers,
      }),
      laggedDisconnectsTotal: new Counter({
        name: 'avskit_exporter_lagged_disconnects_total',
        help: '/stream clients disconnected because they fell behind',
        registers,
      }),
    },
    service: {
      up: new Gauge({
        name: 'avskit_service_up',
        help: '1 while a service is started, 0 once stopped',
        labelNames: ['service'] as const,
        registers,
      }),
    },
  }
}
