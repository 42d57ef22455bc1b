/**
 * The operator's side of a task: follow the TaskManager, compute the response to each new task (pluggable;
 * by default keccak256 of the payload), sign keccak256(abi.encode(TaskResponse)) with the BLS key, and send it to
 * the aggregator — retrying while the aggregator is unreachable, never re-sending a response it answered.
 */
import { type Address, type Hex, hexToBytes, keccak256 } from 'viem'
import type { ChainClient } from '../chain/clients.js'
import { followNewTasks } from '../chain/followNewTasks.js'
import { decodeQuorumNumbers } from '../chain/quorumNumbers.js'
import { type NewTask, type TaskResponse, taskResponseDigest } from '../chain/taskManager.js'
import type { Logger } from '../core/logger.js'
import { sleep } from '../core/sleep.js'
import { type BlsKeyPair, initBn254, signDigest } from '../crypto/index.js'
import { createTaskAggregatorClient } from './taskAggregatorClient.js'

/** What an operator answers to a task: the bytes32 `result` of its TaskResponse. */
export type ComputeTaskResult = (task: NewTask) => Hex | Promise<Hex>

export const keccakOfPayload: ComputeTaskResult = (task) => keccak256(hexToBytes(task.task.payload))

export type RunTaskResponderParameters = {
  client: ChainClient
  taskManager: Address
  blsKeyPair: BlsKeyPair
  /** The operator's quorums: tasks for none of them are not answered. */
  quorums: readonly number[]
  /** host:port of the aggregator's gRPC server. */
  aggregatorAddress: string
  fromBlock: bigint
  computeResult?: ComputeTaskResult | undefined
  signal: AbortSignal
  logger: Logger
  /** Called after each answer, for tests and dashboards. */
  onAnswered?: ((taskIndex: number, reply: { accepted: boolean; code: string }) => void) | undefined
}

/** Runs until `signal` aborts. */
export async function runTaskResponder(parameters: RunTaskResponderParameters): Promise<void> {
  const { blsKeyPair, signal } = parameters
  const logger = parameters.logger.child({ module: 'task-responder', operatorId: blsKeyPair.operatorId })
  const aggregator = createTaskAggregatorClient(parameters.aggregatorAddress)
  const compute = parameters.computeResult ?? keccakOfPayload
  await initBn254()
  try {
    await followNewTasks({
      client: parameters.client,
      taskManager: parameters.taskManager,
      fromBlock: parameters.fromBlock,
      signal,
      logger,
      pollIntervalMs: 500,
      onTask: async (task) => {
        const quorums = decodeQuorumNumbers(task.task.quorumNumbers)
        if (!quorums.some((q) => parameters.quorums.includes(q))) return
        const response: TaskResponse = { referenceTaskIndex: task.taskIndex, result: await compute(task) }
        const signature = signDigest(blsKeyPair.privateKey, taskResponseDigest(response))
        for (let attempt = 0, delay = 250; !signal.aborted; attempt++, delay = Math.min(delay * 2, 10_000)) {
          try {
            const reply = await aggregator.send({ response, signature, operatorId: blsKeyPair.operatorId })
            if (!reply.accepted)
              logger.warn({ taskIndex: task.taskIndex, code: reply.code, message: reply.message }, 'response rejected')
            parameters.onAnswered?.(task.taskIndex, reply)
            return
          } catch (error) {
            if (attempt === 0)
              logger.warn({ err: error, taskIndex: task.taskIndex }, 'aggregator unreachable; retrying')
            await sleep(delay, signal)
          }
        }
      },
    })
  } finally {
    aggregator.close()
  }
}
