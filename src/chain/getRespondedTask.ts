/**
 * What a TaskResponded log does not carry: the task, the response and the certificate
 * (`NonSignerStakesAndSignature`) the aggregator submitted. They are the input of the `respondToTask` call that
 * emitted the log, so they are read back from the transaction.
 */
import { type Address, decodeFunctionData, type Hash, isAddressEqual } from 'viem'
import { taskManagerAbi } from './artifacts/index.js'
import type { ChainClient } from './clients.js'
import { toChainError } from './errors.js'
import type { NonSignerStakesAndSignature, OnChainTask, TaskResponse } from './taskManager.js'

export type RespondedTask = {
  task: OnChainTask
  response: TaskResponse
  certificate: NonSignerStakesAndSignature
}

/**
 * Decodes the `respondToTask` call of `transactionHash`. Undefined when the transaction did not call the task
 * manager directly (a contract relayed it) or answered another task: its input then holds no certificate to read.
 *
 * @example
 * const responded = await getRespondedTask({ client, taskManager, transactionHash: log.transactionHash, taskIndex: 3 })
 */
export async function getRespondedTask(parameters: {
  client: ChainClient
  taskManager: Address
  transactionHash: Hash
  taskIndex: number
}): Promise<RespondedTask | undefined> {
  let transaction: Awaited<ReturnType<ChainClient['getTransaction']>>
  try {
    transaction = await parameters.client.getTransaction({ hash: parameters.transactionHash })
  } catch (error) {
    throw toChainError(error, { functionName: 'eth_getTransactionByHash' })
  }
  if (transaction.to === null || !isAddressEqual(transaction.to, parameters.taskManager)) return undefined
  let call: ReturnType<typeof decodeFunctionData<typeof taskManagerAbi>>
  try {
    call = decodeFunctionData({ abi: taskManagerAbi, data: transaction.input })
  } catch {
    return undefined
  }
  if (call.functionName !== 'respondToTask') return undefined
  const [task, response, certificate] = call.args
  if (response.referenceTaskIndex !== parameters.taskIndex) return undefined
  return { task, response, certificate }
}
