/**
 * The TaskConsensusEngine for avskit's own TaskManager (contracts/TaskManager.sol): the request is a
 * `NewTaskCreated` event, the response a `TaskResponse{referenceTaskIndex, result}`, signed as
 * keccak256(abi.encode(response)), and the certificate goes to `respondToTask`.
 *
 * - While it leads, a member follows the TaskManager from the block of the last task in the log (or, in a new
 *   cluster, from `fromBlock` or the head it first sees, recorded in the log) and sends every new task.
 * - Before signing, every member checks the request against the chain: at the request's block,
 *   `allTaskHashes(taskIndex)` must equal keccak256(abi.encode(task)). A leader that invents or alters a task
 *   gets no signature.
 * - Members are registered operators (`getOperatorStatus` = REGISTERED on the RegistryCoordinator).
 * - The certificate is submitted from the leader's own account; `allTaskResponses(taskIndex)` is read first, and
 *   a `TaskAlreadyResponded` revert counts as "already responded", so the task gets one response on chain.
 */
import { type Address, type Hex, hexToBytes, keccak256, type TransactionReceipt } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import type { ChainClient } from '../chain/clients.js'
import { ContractRevertedError } from '../chain/errors.js'
import { followNewTasks } from '../chain/followNewTasks.js'
import { getOperatorStatus } from '../chain/getOperatorStatus.js'
import { decodeQuorumNumbers } from '../chain/quorumNumbers.js'
import {
  getTaskHash,
  getTaskResponseHash,
  type NewTask,
  respondToTask,
  type TaskResponse,
  taskHash,
  taskResponseDigest,
} from '../chain/taskManager.js'
import { createTransactionSender, type TransactionSender } from '../chain/transactionSender.js'
import { BaseError, InvalidInputError } from '../core/errors.js'
import type { Logger } from '../core/logger.js'
import type { Metrics } from '../core/metrics.js'
import { type BlsKeyPair, signDigest } from '../crypto/index.js'
import type { Submission } from './consensusEntries.js'
import { createTaskConsensusEngine } from './taskConsensusEngine.js'
import type { RaftTimingOptions, SignedTaskResponse, TaskConsensusEngine } from './taskConsensusTypes.js'

/** A task request: the `NewTaskCreated` event as the leader read it. */
export type AvsTaskRequest = NewTask
export type AvsSignedResponse = SignedTaskResponse<TaskResponse>

/** What an operator answers to a task: the bytes32 `result` of its TaskResponse. */
export type ComputeTaskResult = (task: NewTask) => Hex | Promise<Hex>

/** The default answer: keccak256 of the task's payload. */
export const keccakOfTaskPayload: ComputeTaskResult = (task) => keccak256(hexToBytes(task.task.payload))

/** A member refused to sign a task request that does not match the chain. */
export class TaskRequestRefusedError extends BaseError {
  override name = 'TaskRequestRefusedError'
}

export type CreateAvsTaskConsensusParameters = {
  client: ChainClient
  /** The operator's ECDSA key: member id, Raft batches, join requests, and the account that submits certificates. */
  privateKey: Hex
  blsKeyPair: BlsKeyPair
  registryCoordinator: Address
  operatorStateRetriever: Address
  taskManager: Address
  /** First block to look for tasks in a new cluster (default: the head when the first leader starts). */
  fromBlock?: bigint | undefined
  /** Where BLS pubkey registrations are first looked for (the AVS deployment block; default 0). */
  registrationsFromBlock?: bigint | undefined
  /** How long a task collects signatures (default 60 s). */
  taskTimeoutMs?: number | undefined
  collectionWindowMs?: number | undefined
  computeResult?: ComputeTaskResult | undefined
  /** Sends `respondToTask`; default: a sender for the operator's account. */
  sender?: TransactionSender | undefined
  raftDir: string
  raftAddress: string
  httpAddress: string
  advertisedHttpUrl?: string | undefined
  joinWindowBlocks?: number | undefined
  raft?: RaftTimingOptions | undefined
  pollIntervalMs?: number | undefined
  logger: Logger
  metrics?: Metrics | undefined
  /** Called on the leader after each `respondToTask` it sent. */
  onSubmitted?: ((taskIndex: bigint, receipt: TransactionReceipt) => void) | undefined
}

const taskCursorKey = 'task-manager:cursor'

/**
 * @example
 * const engine = createAvsTaskConsensus({ client, privateKey, blsKeyPair, registryCoordinator,
 *   operatorStateRetriever, taskManager, raftDir, raftAddress: '127.0.0.1:7100', httpAddress: '127.0.0.1:7101', logger })
 * await engine.start({ bootstrap: true })
 */
export function createAvsTaskConsensus(
  parameters: CreateAvsTaskConsensusParameters,
): TaskConsensusEngine<AvsTaskRequest> {
  const { client, taskManager, blsKeyPair, registryCoordinator } = parameters
  const logger = parameters.logger.child({ module: 'avs-consensus' })
  const compute = parameters.computeResult ?? keccakOfTaskPayload
  const sender =
    parameters.sender ??
    createTransactionSender({
      client,
      account: privateKeyToAccount(parameters.privateKey),
      logger,
      metrics: parameters.metrics,
    })

  async function submitCertificate(
    taskIndex: bigint,
    request: AvsTaskRequest,
    response: TaskResponse,
    certificate: Parameters<typeof respondToTask>[0]['certificate'],
  ): Promise<Submission> {
    if (BigInt(await getTaskResponseHash(client, taskManager, Number(taskIndex))) !== 0n) {
      return { alreadyResponded: true }
    }
    try {
      const receipt = await respondToTask({ sender, taskManager, task: request.task, response, certificate })
      parameters.onSubmitted?.(taskIndex, receipt)
      logger.info(
        { taskIndex, transactionHash: receipt.transactionHash, gasUsed: receipt.gasUsed },
        'certificate submitted',
      )
      return { transactionHash: receipt.transactionHash, blockNumber: receipt.blockNumber, gasUsed: receipt.gasUsed }
    } catch (error) {
      if (!(error instanceof ContractRevertedError)) throw error
      // A previous leader's transaction may have been mined between the check and this one.
      if (
        error.errorName === 'TaskAlreadyResponded' ||
        BigInt(await getTaskResponseHash(client, taskManager, Number(taskIndex))) !== 0n
      ) {
        return { alreadyResponded: true }
      }
      logger.error({ err: error, taskIndex }, 'respondToTask reverted; the certificate will not be resubmitted')
      return { failed: error.shortMessage }
    }
  }

  const engine: TaskConsensusEngine<AvsTaskRequest> = createTaskConsensusEngine<AvsTaskRequest, TaskResponse>({
    privateKey: parameters.privateKey,
    operatorId: blsKeyPair.operatorId,
    client,
    registryCoordinator,
    operatorStateRetriever: parameters.operatorStateRetriever,
    fromBlock: parameters.registrationsFromBlock,
    raftDir: parameters.raftDir,
    raftAddress: parameters.raftAddress,
    httpAddress: parameters.httpAddress,
    advertisedHttpUrl: parameters.advertisedHttpUrl,
    joinWindowBlocks: parameters.joinWindowBlocks,
    raft: parameters.raft,
    logger: parameters.logger,
    metrics: parameters.metrics,
    callbacks: {
      async onTaskRequest(request) {
        const recorded = await getTaskHash(client, taskManager, request.taskIndex, request.blockNumber)
        if (recorded !== taskHash(request.task)) {
          throw new TaskRequestRefusedError(
            `task ${request.taskIndex} does not match the TaskManager at block ${request.blockNumber}: recorded hash ${recorded}, request hash ${taskHash(request.task)}`,
          )
        }
        return { referenceTaskIndex: request.taskIndex, result: await compute(request) }
      },
      onSubmitTaskToLeader: (_request, response) => ({
        response,
        signature: signDigest(blsKeyPair.privateKey, taskResponseDigest(response)),
        operatorId: blsKeyPair.operatorId,
      }),
      isValidOperator: async (address) =>
        (await getOperatorStatus({ client, registryCoordinator, operator: address as Address })) === 'REGISTERED',
      onLeaderProcessTaskResponse(response) {
        const { referenceTaskIndex, result } = (response ?? {}) as Partial<TaskResponse>
        if (
          !Number.isInteger(referenceTaskIndex) ||
          (referenceTaskIndex as number) < 0 ||
          (referenceTaskIndex as number) >= 2 ** 32
        ) {
          throw new InvalidInputError('response.referenceTaskIndex: expected an integer from 0 to 2^32-1')
        }
        if (typeof result !== 'string' || !/^0x[0-9a-fA-F]{64}$/.test(result)) {
          throw new InvalidInputError('response.result: expected 32 bytes as 0x-hex')
        }
        const clean = { referenceTaskIndex: referenceTaskIndex as number, result: result as Hex }
        return { taskIndex: BigInt(clean.referenceTaskIndex), digest: taskResponseDigest(clean) }
      },
      describeTask: (request) => ({
        taskIndex: BigInt(request.taskIndex),
        referenceBlock: BigInt(request.task.taskCreatedBlock),
        quorumNumbers: decodeQuorumNumbers(request.task.quorumNumbers),
        thresholdPercentages: request.task.quorumThresholdPercentage,
        expiresAt: Date.now() + (parameters.taskTimeoutMs ?? 60_000),
        collectionWindowMs: parameters.collectionWindowMs,
      }),
      submitCertificate: ({ taskIndex, request, response, certificate }) =>
        submitCertificate(taskIndex, request, response as TaskResponse, certificate),
      async whileLeader({ signal }) {
        let fromBlock = engine.lastTaskRequest()?.blockNumber ?? (engine.getMeta(taskCursorKey) as bigint | undefined)
        if (fromBlock === undefined) {
          fromBlock = parameters.fromBlock ?? (await client.getBlockNumber())
          await engine.setMeta(taskCursorKey, fromBlock)
        }
        logger.info({ fromBlock }, 'following the TaskManager for new tasks')
        await followNewTasks({
          client,
          taskManager,
          fromBlock,
          onTask: async (task) => {
            if (engine.knowsTask(BigInt(task.taskIndex))) return
            await engine.sendTaskRequest(task)
            logger.debug({ taskIndex: task.taskIndex }, 'task request sent')
          },
          onBlock: (head) => engine.observeBlock(head),
          pollIntervalMs: parameters.pollIntervalMs ?? 250,
          signal,
          logger,
        })
      },
    },
  })
  return engine
}
