import type { Address, Hex } from 'viem'
import { operatorStateRetrieverAbi } from './abi/index.js'
import type { ChainClient } from './clients.js'
import { toChainError } from './errors.js'
import { encodeQuorumNumbers } from './quorumNumbers.js'

export type GetOperatorStateParameters = {
  client: ChainClient
  operatorStateRetriever: Address
  registryCoordinator: Address
  quorumNumbers: readonly number[]
  /** Reference block; the latest block when omitted. */
  blockNumber?: bigint | undefined
}

export type QuorumOperator = { address: Address; operatorId: Hex; stake: bigint }
export type QuorumState = { quorumNumber: number; operators: QuorumOperator[]; totalStake: bigint }
export type GetOperatorStateReturnType = { blockNumber: bigint; quorums: QuorumState[] }

/**
 * The operator set of each quorum with its stakes, as registered at `blockNumber`
 * (`OperatorStateRetriever.getOperatorState(registryCoordinator, quorumNumbers, blockNumber)`).
 *
 * @example
 * const { quorums } = await getOperatorState({ client, operatorStateRetriever, registryCoordinator, quorumNumbers: [0, 1] })
 */
export async function getOperatorState(parameters: GetOperatorStateParameters): Promise<GetOperatorStateReturnType> {
  const { client } = parameters
  const quorumNumbers = [...parameters.quorumNumbers].sort((a, b) => a - b)
  try {
    const blockNumber = parameters.blockNumber ?? (await client.getBlockNumber())
    const result = await client.readContract({
      address: parameters.operatorStateRetriever,
      abi: operatorStateRetrieverAbi,
      functionName: 'getOperatorState',
      args: [parameters.registryCoordinator, encodeQuorumNumbers(quorumNumbers), Number(blockNumber)],
      blockNumber,
    })
    return {
      blockNumber,
      quorums: quorumNumbers.map((quorumNumber, i) => {
        const operators = (result[i] ?? []).map((o) => ({
          address: o.operator,
          operatorId: o.operatorId,
          stake: o.stake,
        }))
        return { quorumNumber, operators, totalStake: operators.reduce((sum, o) => sum + o.stake, 0n) }
      }),
    }
  } catch (error) {
    throw toChainError(error, { functionName: 'getOperatorState' })
  }
}
