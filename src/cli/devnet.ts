/** `avskit devnet`: the whole AVS network on a local anvil chain, until Ctrl-C. */
import type { Command } from 'commander'
import { z } from 'zod'
import type { TaskCertified } from '../aggregation/index.js'
import { defineOptions } from '../core/config.js'
import { createShutdown } from '../core/lifecycle.js'
import { startDevnet } from '../devnet/startDevnet.js'
import { formatDevnetSummary } from '../devnet/summary.js'
import { formatSyncReport, type SyncRoundReport } from '../stakesync/index.js'
import { addCommand } from './command.js'
import { positiveIntSchema } from './commonOptions.js'
import { registerDevnetStakeCommand } from './devnetStake.js'
import { durationSchema, hostPortSchema, pingIntervalOption } from './poolOptions.js'

const options = defineOptions({
  operators: {
    flag: 'operators',
    argument: '<n>',
    description: 'number of operators to register',
    schema: positiveIntSchema.max(200, { message: 'expected at most 200 operators' }),
    default: 4,
  },
  quorums: {
    flag: 'quorums',
    argument: '<n>',
    description: 'number of quorums to create',
    schema: positiveIntSchema.max(192, { message: 'expected at most 192 quorums' }),
    default: 2,
  },
  dataDir: {
    flag: 'data-dir',
    argument: '<path>',
    description: 'folder for the chain state, keystores and databases',
    schema: z.string().min(1),
    default: '.avskit',
  },
  port: {
    flag: 'port',
    argument: '<port>',
    description: 'anvil JSON-RPC port (0 picks a free one)',
    schema: z.coerce.number().int().min(0).max(65_535, { message: 'expected a port from 0 to 65535' }),
    default: 8545,
  },
  blockTime: {
    flag: 'block-time',
    argument: '<seconds>',
    description: 'seconds between blocks after setup (0: one block per transaction)',
    schema: z.coerce.number().int().min(0),
    default: 1,
  },
  aggregatorGrpcAddr: {
    flag: 'aggregator-grpc-addr',
    argument: '<host:port>',
    description: "the aggregator's gRPC address (operator check-ins)",
    schema: hostPortSchema,
    default: '127.0.0.1:2206',
  },
  aggregatorHttpAddr: {
    flag: 'aggregator-http-addr',
    argument: '<host:port>',
    description: "the aggregator's HTTP address (/operator, /telemetry dashboard, /metrics)",
    schema: hostPortSchema,
    default: '127.0.0.1:8080',
  },
  exporterWsAddr: {
    flag: 'exporter-ws-addr',
    argument: '<host:port>',
    description: "the exporter's WebSocket /query and /stream (and /health, /ready, /metrics)",
    schema: hostPortSchema,
    default: '127.0.0.1:14000',
  },
  pingInterval: pingIntervalOption.pingInterval,
  taskInterval: {
    flag: 'task-interval',
    argument: '<seconds>',
    description:
      'seconds between generated tasks (0: none; tasks created with `avskit task create` are still answered)',
    schema: z.coerce.number().int().min(0),
    default: 5,
  },
  stakeSyncInterval: {
    flag: 'stake-sync-interval',
    argument: '<duration>',
    description: 'time between stake sync rounds, which print what they send (0: no stake sync)',
    schema: durationSchema,
    default: 10_000,
    defaultText: '10s',
  },
  consensus: {
    flag: 'consensus',
    argument: '<mode>',
    description:
      'who certifies tasks: "aggregator" (the pool aggregator, operators answer over gRPC) or "raft" (the operators as a Raft cluster, the leader aggregates and submits)',
    schema: z.enum(['aggregator', 'raft'], { message: 'expected aggregator or raft' }),
    default: 'aggregator' as 'aggregator' | 'raft',
  },
  raftBasePort: {
    flag: 'raft-base-port',
    argument: '<port>',
    description: 'with --consensus raft: operator i serves Raft on this port + 2i and its HTTP API on the next one',
    schema: z.coerce.number().int().min(1).max(65_000, { message: 'expected a port from 1 to 65000' }),
    default: 7300,
  },
})

function formatCertifiedTask(
  taskIndex: bigint,
  event: TaskCertified | undefined,
  transactionHash: string,
  gasUsed: bigint,
) {
  if (!event) return `task ${taskIndex} certified: respondToTask ${transactionHash} (gas ${gasUsed})`
  const signers = event.signers.length
  const stakes = event.stakes
    .map((s) => `q${s.quorumNumber} ${s.totalStake === 0n ? 0 : Number((s.signedStake * 1000n) / s.totalStake) / 10}%`)
    .join(' ')
  return `task ${taskIndex} certified: ${signers}/${signers + event.nonSigners.length} signers (${stakes}), respondToTask ${transactionHash} (gas ${gasUsed})`
}

export function registerDevnetCommand(program: Command): void {
  const devnetCommand = addCommand(program, {
    name: 'devnet',
    description: 'run a local AVS network: anvil, the contracts, registered operators and every service',
    options,
    async run({ options, logger }) {
      const shutdown = createShutdown({ logger, handleSignals: true })
      const {
        aggregatorGrpcAddr,
        aggregatorHttpAddr,
        exporterWsAddr,
        pingInterval,
        taskInterval,
        stakeSyncInterval,
        consensus,
        raftBasePort,
        ...network
      } = options
      const certified = new Map<bigint, TaskCertified>()
      const devnet = await startDevnet({
        ...network,
        logger,
        pool: { grpcAddress: aggregatorGrpcAddr, httpAddress: aggregatorHttpAddr, pingIntervalMs: pingInterval },
        stakeSync: stakeSyncInterval > 0 && { intervalMs: stakeSyncInterval, onRound: printStakeSyncRound },
        consensus: consensus === 'raft' ? { basePort: raftBasePort } : false,
        exporter: { address: exporterWsAddr },
        tasks: {
          intervalSeconds: taskInterval,
          onCertified: (event) => certified.set(event.taskIndex, event),
          onSubmitted: (taskIndex, transactionHash, gasUsed) => {
            const event = certified.get(taskIndex)
            certified.delete(taskIndex)
            process.stdout.write(`${formatCertifiedTask(taskIndex, event, transactionHash, gasUsed)}\n`)
          },
        },
      })
      shutdown.add('devnet', () => devnet.stop())
      process.stdout.write(
        `${devnet.resumed ? 'resumed' : 'started'} devnet (${options.dataDir}/devnet.json)\n\n${formatDevnetSummary(devnet.summary)}\n\nCtrl-C to stop.\n`,
      )
      await shutdown.done
      return 0
    },
  })
  // Options after `stake` are the subcommand's (both commands have --data-dir).
  devnetCommand.enablePositionalOptions()
  registerDevnetStakeCommand(devnetCommand)
}

/** Prints the stake sync rounds that sent (or failed to send) something; quiet rounds stay in the logs. */
function printStakeSyncRound(report: SyncRoundReport): void {
  if (report.updates.length === 0 && report.outcome !== 'failed') return
  process.stdout.write(
    `${formatSyncReport(report)
      .map((line) => `stake sync: ${line}`)
      .join('\n')}\n`,
  )
}
