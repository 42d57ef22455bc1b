/**
 * avskit's TaskManager (contracts/TaskManager.sol, shaped after Layr-Labs incredible-squaring's): create a task,
 * respond to it with a BLS certificate, and follow new tasks.
 *
 * A response is `TaskResponse{uint32 referenceTaskIndex; bytes32 result}`; operators sign
 * keccak256(abi.encode(response)), which is what `respondToTask` hands to `checkSignatures`.
 */
import { type Address, encodeAbiParameters, type Hex, keccak256, parseEventLogs, type TransactionReceipt } from 'viem'
import { serviceManagerAbi, taskManagerAbi } from './artifacts/index.js'
import type { ChainClient } from './clients.js'
import { toChainError } from './errors.js'
import { encodeQuorumNumbers } from './quorumNumbers.js'
import type { TransactionSender } from './transactionSender.js'

export type OnChainTask = {
  payload: Hex
  taskCreatedBlock: number
  quorumNumbers: Hex
  quorumThresholdPercentage: number
}

export type TaskResponse = { referenceTaskIndex: number; result: Hex }

export type NewTask = { taskIndex: number; task: OnChainTask; blockNumber: bigint }

export type NonSignerStakesAndSignature = {
  nonSignerQuorumBitmapIndices: readonly number[]
  nonSignerPubkeys: readonly { X: bigint; Y: bigint }[]
  quorumApks: readonly { X: bigint; Y: bigint }[]
  apkG2: { X: readonly [bigint, bigint]; Y: readonly [bigint, bigint] }
  sigma: { X: bigint; Y: bigint }
  quorumApkIndices: readonly number[]
  totalStakeIndices: readonly number[]
  nonSignerStakeIndices: readonly (readonly number[])[]
}

const taskResponseAbi = [
  {
    type: 'tuple',
    components: [
      { type: 'uint32', name: 'referenceTaskIndex' },
      { type: 'bytes32', name: 'result' },
    ],
  },
] as const

/** The digest operators sign for a response: keccak256(abi.encode(TaskResponse)). */
export function taskResponseDigest(response: TaskResponse): Hex {
  return keccak256(encodeAbiParameters(taskResponseAbi, [response]))
}

/**
 * Creates a task; returns its index and the task struct as emitted in `NewTaskCreated`.
 *
 * @example
 * const { taskIndex } = await createNewTask({ sender, taskManager, payload: '0x1234', quorumNumbers: [0, 1], thresholdPercentage: 67 })
 */
export async function createNewTask(parameters: {
  sender: TransactionSender
  taskManager: Address
  payload: Hex
  quorumNumbers: readonly number[]
  thresholdPercentage: number
}): Promise<NewTask & { receipt: TransactionReceipt }> {
  const receipt = await parameters.sender.send({
    address: parameters.taskManager,
    abi: taskManagerAbi,
    functionName: 'createNewTask',
    args: [parameters.payload, parameters.thresholdPercentage, encodeQuorumNumbers(parameters.quorumNumbers)],
  })
  const [event] = parseEventLogs({ abi: taskManagerAbi, logs: receipt.logs, eventName: 'NewTaskCreated' })
  if (!event) throw toChainError(new Error('createNewTask emitted no NewTaskCreated event'))
  return { taskIndex: event.args.taskIndex, task: event.args.task, blockNumber: receipt.blockNumber, receipt }
}

export function respondToTask(parameters: {
  sender: TransactionSender
  taskManager: Address
  task: OnChainTask
  response: TaskResponse
  certificate: NonSignerStakesAndSignature
}): Promise<TransactionReceipt> {
  return parameters.sender.send({
    address: parameters.taskManager,
    abi: taskManagerAbi,
    functionName: 'respondToTask',
    args: [parameters.task, parameters.response, parameters.certificate],
  })
}

/** The stored response hash of a task (zero when nobody has responded yet). */
export async function getTaskResponseHash(client: ChainClient, taskManager: Address, taskIndex: number): Promise<Hex> {
  try {
    return await client.readContract({
      address: taskManager,
      abi: taskManagerAbi,
      functionName: 'allTaskResponses',
      args: [taskIndex],
    })
  } catch (error) {
    throw toChainError(error, { functionName: 'allTaskResponses' })
  }
}

/** `NewTaskCreated` events in [fromBlock, toBlock], in chain order. */
export async function getNewTasks(parameters: {
  client: ChainClient
  taskManager: Address
  fromBlock: bigint
  toBlock: bigint
}): Promise<NewTask[]> {
  try {
    const logs = await parameters.client.getContractEvents({
      address: parameters.taskManager,
      abi: taskManagerAbi,
      eventName: 'NewTaskCreated',
      fromBlock: parameters.fromBlock,
      toBlock: parameters.toBlock,
      strict: true,
    })
    return logs.map((log) => ({ taskIndex: log.args.taskIndex, task: log.args.task, blockNumber: log.blockNumber }))
  } catch (error) {
    throw toChainError(error, { functionName: 'NewTaskCreated logs' })
  }
}

const taskAbi = [
  {
    type: 'tuple',
    components: [
      { type: 'bytes', name: 'payload' },
      { type: 'uint32', name: 'taskCreatedBlock' },
      { type: 'bytes', name: 'quorumNumbers' },
      { type: 'uint32', name: 'quorumThresholdPercentage' },
    ],
  },
] as const

/** keccak256(abi.encode(task)): what the TaskManager records in `allTaskHashes` when the task is created. */
export function taskHash(task: OnChainTask): Hex {
  return keccak256(encodeAbiParameters(taskAbi, [task]))
}

/** The hash recorded for a task index at `blockNumber` (default latest); zero when no such task existed then. */
export async function getTaskHash(
  client: ChainClient,
  taskManager: Address,
  taskIndex: number,
  blockNumber?: bigint,
): Promise<Hex> {
  try {
    return await client.readContract({
      address: taskManager,
      abi: taskManagerAbi,
      functionName: 'allTaskHashes',
      args: [taskIndex],
      ...(blockNumber === undefined ? {} : { blockNumber }),
    })
  } catch (error) {
    throw toChainError(error, { functionName: 'allTaskHashes' })
  }
}

/** The registry coordinator behind a task manager: `signatureChecker().registryCoordinator()`. */
export async function getTaskManagerRegistryCoordinator(client: ChainClient, taskManager: Address): Promise<Address> {
  try {
    const signatureChecker = await client.readContract({
      address: taskManager,
      abi: taskManagerAbi,
      functionName: 'signatureChecker',
    })
    return await client.readContract({
      address: signatureChecker,
      abi: serviceManagerAbi,
      functionName: 'registryCoordinator',
    })
  } catch (error) {
    throw toChainError(error, { functionName: 'signatureChecker().registryCoordinator()' })
  }
}
