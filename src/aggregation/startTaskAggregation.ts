/**
 * Puts task aggregation into a process: the aggregation service over the process's database, its gRPC service on
 * the process's gRPC server, `GET /tasks/:index` on its HTTP server, and the TaskManager follower that creates
 * tasks and submits certificates. `avskit aggregator` and `avskit devnet` both call this.
 */
import type { FastifyInstance } from 'fastify'
import type { Address, TransactionReceipt } from 'viem'
import type { ChainClient } from '../chain/clients.js'
import type { TransactionSender } from '../chain/transactionSender.js'
import type { GrpcServer } from '../core/grpcServer.js'
import type { Logger } from '../core/logger.js'
import type { Metrics } from '../core/metrics.js'
import { initBn254 } from '../crypto/index.js'
import { createAggregationRepository, createKvRepository, type Database } from '../store/index.js'
import { type AggregationService, createAggregationService } from './aggregationService.js'
import { createChainReader } from './chainReader.js'
import { runTaskAggregator } from './taskAggregator.js'
import { createTaskAggregatorServer, TaskAggregatorService } from './taskAggregatorGrpc.js'
import { getTaskView } from './taskView.js'
import type { TaskCertified, TaskExpired } from './types.js'

export type StartTaskAggregationParameters = {
  database: Database
  client: ChainClient
  /** Sends `respondToTask` (the aggregator's account). */
  sender: TransactionSender
  registryCoordinator: Address
  operatorStateRetriever: Address
  taskManager: Address
  /** The AVS deployment block: where pubkey registrations and tasks are first looked for. */
  fromBlock: bigint
  grpc: GrpcServer
  http: FastifyInstance
  logger: Logger
  metrics?: Metrics | undefined
  taskTimeoutMs?: number | undefined
  collectionWindowMs?: number | undefined
  onCertified?: ((event: TaskCertified) => void) | undefined
  onExpired?: ((event: TaskExpired) => void) | undefined
  onSubmitted?: ((taskIndex: bigint, receipt: TransactionReceipt) => void) | undefined
}

export type TaskAggregation = { service: AggregationService; stop(): Promise<void> }

export async function startTaskAggregation(parameters: StartTaskAggregationParameters): Promise<TaskAggregation> {
  const { database, logger } = parameters
  await initBn254()
  const repository = createAggregationRepository(database.db)
  const kv = createKvRepository(database.db)
  const service = createAggregationService({
    reader: createChainReader({
      client: parameters.client,
      registryCoordinator: parameters.registryCoordinator,
      operatorStateRetriever: parameters.operatorStateRetriever,
      fromBlock: parameters.fromBlock,
    }),
    repository,
    logger,
    metrics: parameters.metrics,
  })
  if (parameters.onCertified) service.on('certified', parameters.onCertified)
  if (parameters.onExpired) service.on('expired', parameters.onExpired)
  await service.start()

  parameters.grpc.addService(TaskAggregatorService, createTaskAggregatorServer(service, logger))
  parameters.http.get<{ Params: { index: string } }>('/tasks/:index', async (request, reply) => {
    if (!/^\d{1,10}$/.test(request.params.index)) {
      return reply.code(400).send({ error: `task index must be a non-negative integer, got "${request.params.index}"` })
    }
    const view = await getTaskView({ taskIndex: BigInt(request.params.index), service, repository, kv })
    return view ?? reply.code(404).send({ error: `task ${request.params.index} is not known to this aggregator` })
  })

  const controller = new AbortController()
  const running = runTaskAggregator({
    service,
    repository,
    kv,
    client: parameters.client,
    sender: parameters.sender,
    taskManager: parameters.taskManager,
    fromBlock: parameters.fromBlock,
    taskTimeoutMs: parameters.taskTimeoutMs,
    collectionWindowMs: parameters.collectionWindowMs,
    signal: controller.signal,
    logger,
    onSubmitted: parameters.onSubmitted,
  }).catch((error: unknown) => logger.error({ err: error }, 'task aggregator stopped'))

  return {
    service,
    async stop() {
      controller.abort()
      await running
      await service.stop()
    },
  }
}
