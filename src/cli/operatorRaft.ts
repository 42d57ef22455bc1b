/**
 * The Raft mode of `avskit operator` (on with --raft-dir): the operator is a member of its AVS's task-consensus
 * cluster. It founds a cluster (--bootstrap) or joins one through any member's HTTP URL (--join, signed over the
 * current block), signs every task it is sent after checking it against the TaskManager, and, while it leads,
 * follows the TaskManager, aggregates the members' signatures and submits certificates from its own account.
 * Its HTTP API (--http-addr) serves the cluster routes, /metrics, /health and /ready.
 */
import { z } from 'zod'
import { createChainClient } from '../chain/clients.js'
import { type AvsTaskRequest, createAvsTaskConsensus, type TaskConsensusEngine } from '../consensus/index.js'
import { defineOptions, type ResolvedOptions } from '../core/config.js'
import { InvalidInputError } from '../core/errors.js'
import type { Shutdown } from '../core/lifecycle.js'
import type { Logger } from '../core/logger.js'
import type { Metrics } from '../core/metrics.js'
import { initBn254 } from '../crypto/index.js'
import { positiveIntSchema, urlSchema } from './commonOptions.js'
import { openBlsKeystore } from './keyOptions.js'
import { hostPortSchema } from './poolOptions.js'
import { taskAggregationOptions } from './taskAggregationOptions.js'

export const raftOperatorOptions = defineOptions({
  raftDir: {
    flag: 'raft-dir',
    argument: '<path>',
    description: 'Raft mode: folder of the Raft log and snapshots (turns task consensus on)',
    schema: z.string().min(1),
  },
  raftAddr: {
    flag: 'raft-addr',
    argument: '<host:port>',
    description: 'Raft mode: address of the Raft transport (gRPC) that other members connect to',
    schema: hostPortSchema,
    default: '127.0.0.1:7100',
  },
  httpAddr: {
    flag: 'http-addr',
    argument: '<host:port>',
    description: 'Raft mode: HTTP API (join, signed responses, /consensus/v1/status, /metrics, /health, /ready)',
    schema: hostPortSchema,
    default: '127.0.0.1:7101',
  },
  bootstrap: {
    flag: 'bootstrap',
    description: 'Raft mode: found a new cluster with this operator as its first member',
    schema: z.boolean(),
    default: false,
  },
  join: {
    flag: 'join',
    argument: '<url>',
    description: 'Raft mode: HTTP URL of a member of the cluster to join',
    schema: urlSchema,
  },
  blsKeystore: {
    flag: 'bls-keystore',
    argument: '<path>',
    description: 'Raft mode: BLS keystore that signs task responses',
    schema: z.string().min(1),
  },
  blsPasswordFile: {
    flag: 'bls-key-password-file',
    argument: '<path>',
    description: 'file holding the BLS keystore password (else AVSKIT_BLS_KEY_PASSWORD, else a prompt)',
    schema: z.string().min(1),
  },
  taskManager: { ...taskAggregationOptions.taskManager, description: 'Raft mode: the TaskManager whose tasks to sign' },
  operatorStateRetriever: {
    ...taskAggregationOptions.operatorStateRetriever,
    description: 'Raft mode: OperatorStateRetriever (operator sets and certificate indices)',
  },
  fromBlock: {
    ...taskAggregationOptions.fromBlock,
    description: 'Raft mode: AVS deployment block, where BLS key registrations are first looked for',
  },
  taskTimeout: taskAggregationOptions.taskTimeout,
  collectionWindow: taskAggregationOptions.collectionWindow,
  joinWindowBlocks: {
    flag: 'join-window-blocks',
    argument: '<n>',
    description: 'Raft mode: accept join requests signed over one of the last n blocks',
    schema: positiveIntSchema,
    default: 50,
  },
  raftSnapshotEntries: {
    flag: 'raft-snapshot-entries',
    argument: '<n>',
    description: 'Raft mode: snapshot the replicated state every n applied entries',
    schema: positiveIntSchema,
    default: 10_000,
  },
})

type RaftOptions = ResolvedOptions<typeof raftOperatorOptions> & {
  ethHttpUrl?: string | undefined
  registryCoordinator?: `0x${string}` | undefined
}

export type RaftOperator = { engine: TaskConsensusEngine<AvsTaskRequest>; summary: Record<string, string> }

function need<T>(value: T | undefined, flag: string): T {
  if (value === undefined) throw new InvalidInputError(`Missing --${flag} (needed with --raft-dir).`)
  return value
}

/** Starts the Raft mode when --raft-dir is given (else resolves to undefined); stops with `shutdown`. */
export async function startRaftOperator(parameters: {
  options: RaftOptions
  privateKey: `0x${string}`
  logger: Logger
  metrics: Metrics
  shutdown: Shutdown
}): Promise<RaftOperator | undefined> {
  const { options, logger } = parameters
  if (options.raftDir === undefined) return undefined
  if (options.bootstrap === (options.join !== undefined)) {
    throw new InvalidInputError('Raft mode needs exactly one of --bootstrap (found a cluster) and --join <url>.')
  }
  const ethHttpUrl = need(options.ethHttpUrl, 'eth-http-url')
  const registryCoordinator = need(options.registryCoordinator, 'registry-coordinator-addr')
  const taskManager = need(options.taskManager, 'task-manager-addr')
  const operatorStateRetriever = need(options.operatorStateRetriever, 'operator-state-retriever-addr')
  const blsKeystore = need(options.blsKeystore, 'bls-keystore')
  await initBn254()
  const { keyPair } = await openBlsKeystore({ blsKeystore, blsPasswordFile: options.blsPasswordFile })
  const client = await createChainClient({ url: ethHttpUrl })
  const engine = createAvsTaskConsensus({
    client,
    privateKey: parameters.privateKey,
    blsKeyPair: keyPair,
    registryCoordinator,
    operatorStateRetriever,
    taskManager,
    registrationsFromBlock: options.fromBlock,
    taskTimeoutMs: options.taskTimeout * 1000,
    collectionWindowMs: options.collectionWindow,
    raftDir: options.raftDir,
    raftAddress: options.raftAddr,
    httpAddress: options.httpAddr,
    joinWindowBlocks: options.joinWindowBlocks,
    raft: { snapshotEntries: options.raftSnapshotEntries },
    logger,
    metrics: parameters.metrics,
  })
  try {
    if (options.join !== undefined) {
      await engine.joinExistingCluster(options.join, await client.getBlockNumber())
    } else {
      await engine.start({ bootstrap: true })
    }
  } catch (error) {
    await engine.stop()
    throw error
  }
  parameters.shutdown.add('consensus', () => engine.stop())
  logger.info({ member: engine.id, http: engine.httpBindingUrl, raft: engine.raftAddress }, 'consensus member running')
  return {
    engine,
    summary: { member: engine.id, raft: engine.raftAddress, http: engine.httpBindingUrl },
  }
}
