/**
 * The aggregator of avskit's TaskManager: every `NewTaskCreated` becomes an aggregation task (operator set at the
 * task's creation block, the task's threshold on each of its quorums); every certificate is submitted with
 * `respondToTask`, once. Submissions are recorded in the store, and on start certified tasks without a recorded
 * submission are checked against the chain (`allTaskResponses`) and submitted if nobody has responded yet.
 */
import type { Address, Hex, TransactionReceipt } from 'viem'
import type { ChainClient } from '../chain/clients.js'
import { ContractRevertedError } from '../chain/errors.js'
import { followNewTasks } from '../chain/followNewTasks.js'
import { decodeQuorumNumbers } from '../chain/quorumNumbers.js'
import {
  getTaskResponseHash,
  type NewTask,
  type NonSignerStakesAndSignature,
  type OnChainTask,
  respondToTask,
  type TaskResponse,
} from '../chain/taskManager.js'
import type { TransactionSender } from '../chain/transactionSender.js'
import type { Logger } from '../core/logger.js'
import { sleep } from '../core/sleep.js'
import type { AggregationRepository, KvRepository } from '../store/index.js'
import type { AggregationService } from './aggregationService.js'
import type { TaskCertified } from './types.js'

export type TaskSubmission = { transactionHash: Hex; blockNumber: string; gasUsed: string } | { alreadyResponded: true }

export const submissionKey = (taskIndex: bigint | number) => `task-manager:submission:${taskIndex}`
const cursorKey = 'task-manager:cursor'

export type RunTaskAggregatorParameters = {
  service: AggregationService
  repository: AggregationRepository
  kv: KvRepository
  client: ChainClient
  sender: TransactionSender
  taskManager: Address
  /** First block to follow when no cursor is stored. */
  fromBlock: bigint
  /** How long a task collects signatures (default 60 s). */
  taskTimeoutMs?: number | undefined
  collectionWindowMs?: number | undefined
  signal: AbortSignal
  logger: Logger
  onSubmitted?: ((taskIndex: bigint, receipt: TransactionReceipt) => void) | undefined
}

/** Runs until `signal` aborts. */
export async function runTaskAggregator(parameters: RunTaskAggregatorParameters): Promise<void> {
  const { service, kv, client, signal } = parameters
  const logger = parameters.logger.child({ module: 'task-aggregator' })

  async function submit(
    taskIndex: bigint,
    task: OnChainTask,
    response: TaskResponse,
    certificate: NonSignerStakesAndSignature,
  ) {
    for (let delay = 1000; !signal.aborted; delay = Math.min(delay * 2, 30_000)) {
      try {
        if (BigInt(await getTaskResponseHash(client, parameters.taskManager, Number(taskIndex))) !== 0n) {
          await kv.set(submissionKey(taskIndex), { alreadyResponded: true } satisfies TaskSubmission)
          return
        }
        const receipt = await respondToTask({
          sender: parameters.sender,
          taskManager: parameters.taskManager,
          task,
          response,
          certificate,
        })
        await kv.set(submissionKey(taskIndex), {
          transactionHash: receipt.transactionHash,
          blockNumber: receipt.blockNumber.toString(),
          gasUsed: receipt.gasUsed.toString(),
        } satisfies TaskSubmission)
        logger.info(
          { taskIndex, transactionHash: receipt.transactionHash, gasUsed: receipt.gasUsed },
          'certificate submitted',
        )
        parameters.onSubmitted?.(taskIndex, receipt)
        return
      } catch (error) {
        if (error instanceof ContractRevertedError) {
          logger.error({ err: error, taskIndex }, 'respondToTask reverted; the certificate will not be resubmitted')
          return
        }
        logger.warn({ err: error, taskIndex, retryInMs: delay }, 'respondToTask failed; retrying')
        await sleep(delay, signal)
      }
    }
  }

  const onCertified = (event: TaskCertified) => {
    const task = (event.metadata as { task?: OnChainTask } | null)?.task
    if (!task) return // not a TaskManager task
    void submit(event.taskIndex, task, event.response as TaskResponse, event.certificate)
  }
  const unsubscribe = service.on('certified', onCertified)

  // Certified before a crash, submission not recorded: submit now if the chain has no response yet.
  for (const row of await parameters.repository.listTasksByStatus('certified')) {
    if (await kv.get(submissionKey(row.taskIndex))) continue
    const task = (row.metadata as { task?: OnChainTask } | null)?.task
    const stored = row.certificate as { certificate?: NonSignerStakesAndSignature; response?: TaskResponse } | null
    if (task && stored?.certificate && stored.response) {
      void submit(row.taskIndex, task, stored.response, reviveCertificate(stored.certificate))
    }
  }

  const onTask = async ({ taskIndex, task, blockNumber }: NewTask) => {
    await parameters.service.initializeTask({
      taskIndex: BigInt(taskIndex),
      referenceBlock: BigInt(task.taskCreatedBlock),
      quorumNumbers: decodeQuorumNumbers(task.quorumNumbers),
      thresholdPercentages: task.quorumThresholdPercentage,
      expiresAt: Date.now() + (parameters.taskTimeoutMs ?? 60_000),
      collectionWindowMs: parameters.collectionWindowMs,
      metadata: { task },
    })
    await kv.set(cursorKey, (blockNumber + 1n).toString())
  }

  try {
    const stored = await kv.get<string>(cursorKey)
    await followNewTasks({
      client,
      taskManager: parameters.taskManager,
      fromBlock: stored === undefined ? parameters.fromBlock : BigInt(stored),
      onTask,
      onBlock: (head) => service.onBlock(head),
      pollIntervalMs: 500,
      signal,
      logger,
    })
  } finally {
    unsubscribe()
  }
}

/** A certificate read back from JSON (bigints were stored as decimal strings). */
export function reviveCertificate(stored: NonSignerStakesAndSignature): NonSignerStakesAndSignature {
  const g1 = (p: { X: bigint | string; Y: bigint | string }) => ({ X: BigInt(p.X), Y: BigInt(p.Y) })
  const pair = (p: readonly (bigint | string)[]) => [BigInt(p[0] as string), BigInt(p[1] as string)] as const
  return {
    ...stored,
    nonSignerPubkeys: stored.nonSignerPubkeys.map(g1),
    quorumApks: stored.quorumApks.map(g1),
    apkG2: { X: pair(stored.apkG2.X), Y: pair(stored.apkG2.Y) },
    sigma: g1(stored.sigma),
  }
}
