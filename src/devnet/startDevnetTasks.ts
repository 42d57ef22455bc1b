/**
 * Tasks on the devnet: the aggregator's task-aggregation component (follows the TaskManager, aggregates, submits
 * certificates with its own account), one task responder per operator (signing with the operator's BLS keystore,
 * answering over gRPC), and a generator that creates a task every few seconds on every quorum.
 */
import { type Address, stringToHex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import type { TaskCertified } from '../aggregation/index.js'
import { startTaskAggregation } from '../aggregation/startTaskAggregation.js'
import { runTaskResponder } from '../aggregation/taskResponder.js'
import type { AggregatorComponentStarter } from '../aggregator/index.js'
import type { ChainClient } from '../chain/clients.js'
import { createNewTask } from '../chain/taskManager.js'
import { createTransactionSender } from '../chain/transactionSender.js'
import type { Logger } from '../core/logger.js'
import { sleep } from '../core/sleep.js'
import { readBlsKeystoreFile, resolvePassword } from '../crypto/index.js'
import type { DevnetSummary } from './summary.js'

/** anvil dev accounts 1 and 2 (public test keys, local chain only): the aggregator and the task generator. */
const aggregatorKey = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d' as const
const generatorKey = '0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a' as const

function contract(summary: DevnetSummary, name: string): Address {
  const address = summary.contracts[name]
  if (!address) throw new Error(`the devnet summary has no ${name}`)
  return address
}

export type DevnetTasksParameters = {
  /** Seconds between generated tasks; 0 generates none (responders still answer tasks created by hand). */
  intervalSeconds: number
  onCertified?: ((event: TaskCertified) => void) | undefined
  onSubmitted?: ((taskIndex: bigint, transactionHash: string, gasUsed: bigint) => void) | undefined
}

/** The aggregator component that aggregates the devnet's tasks and submits their certificates. */
export function devnetTaskAggregation(
  summary: DevnetSummary,
  handlers: DevnetTasksParameters,
): AggregatorComponentStarter {
  return (context) =>
    startTaskAggregation({
      ...context,
      sender: createTransactionSender({
        client: context.client,
        account: privateKeyToAccount(aggregatorKey),
        logger: context.logger,
      }),
      registryCoordinator: contract(summary, 'registryCoordinator'),
      operatorStateRetriever: contract(summary, 'operatorStateRetriever'),
      taskManager: contract(summary, 'taskManager'),
      fromBlock: BigInt(summary.deploymentBlock),
      taskTimeoutMs: 30_000,
      onCertified: handlers.onCertified,
      onSubmitted: (taskIndex, receipt) => handlers.onSubmitted?.(taskIndex, receipt.transactionHash, receipt.gasUsed),
    })
}

export type StartDevnetTaskTrafficParameters = {
  summary: DevnetSummary
  client: ChainClient
  aggregatorGrpcAddress: string
  /** Seconds between generated tasks; 0 creates none (responders still answer tasks created by hand). */
  taskIntervalSeconds: number
  logger: Logger
}

/** Starts the responders and the generator; resolves to a stop function. */
export async function startDevnetTaskTraffic(
  parameters: StartDevnetTaskTrafficParameters,
): Promise<() => Promise<void>> {
  const { summary, client, logger } = parameters
  const controller = new AbortController()
  const running: Promise<unknown>[] = []
  const taskManager = contract(summary, 'taskManager')
  // Responders start at the head: tasks from before a restart were answered then, or have expired.
  const head = await client.getBlockNumber()
  for (const operator of summary.operators) {
    const password = await resolvePassword({ label: `devnet operator ${operator.index}`, file: operator.passwordFile })
    const { keyPair } = await readBlsKeystoreFile(operator.blsKeystore, password)
    running.push(
      runTaskResponder({
        client,
        taskManager,
        blsKeyPair: keyPair,
        quorums: operator.quorums,
        aggregatorAddress: parameters.aggregatorGrpcAddress,
        fromBlock: head,
        signal: controller.signal,
        logger,
      }),
    )
  }
  if (parameters.taskIntervalSeconds > 0) running.push(generateTasks(parameters, taskManager, controller.signal))
  return async () => {
    controller.abort()
    await Promise.allSettled(running)
  }
}

/** Only the generator, for a devnet whose operators answer tasks by themselves (`--consensus raft`). */
export function startDevnetTaskGenerator(
  parameters: Omit<StartDevnetTaskTrafficParameters, 'aggregatorGrpcAddress'>,
): () => Promise<void> {
  const controller = new AbortController()
  const running =
    parameters.taskIntervalSeconds > 0
      ? generateTasks(parameters, contract(parameters.summary, 'taskManager'), controller.signal)
      : Promise.resolve()
  return async () => {
    controller.abort()
    await running
  }
}

async function generateTasks(
  parameters: Omit<StartDevnetTaskTrafficParameters, 'aggregatorGrpcAddress'>,
  taskManager: Address,
  signal: AbortSignal,
) {
  const { client, logger, summary } = parameters
  const sender = createTransactionSender({ client, account: privateKeyToAccount(generatorKey), logger })
  const quorumNumbers = Array.from({ length: summary.quorumCount }, (_, q) => q)
  while (!signal.aborted) {
    try {
      const { taskIndex } = await createNewTask({
        sender,
        taskManager,
        payload: stringToHex(`devnet task ${Date.now()}`),
        quorumNumbers,
        thresholdPercentage: 67,
      })
      logger.info({ taskIndex }, 'devnet task created')
    } catch (error) {
      logger.warn({ err: error }, 'creating a devnet task failed')
    }
    await sleep(parameters.taskIntervalSeconds * 1000, signal)
  }
}
