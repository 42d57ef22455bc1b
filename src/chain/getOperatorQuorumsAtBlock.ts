import type { Address, Hex } from 'viem'
import { registryCoordinatorAbi } from './abi/index.js'
import type { ChainClient } from './clients.js'
import { ContractRevertedError, toChainError } from './errors.js'
import { quorumsFromBitmap } from './quorumNumbers.js'

/**
 * The quorums an operator was registered in at `blockNumber` (its quorum bitmap then), or `undefined` when it
 * had never registered by that block. Reads `getQuorumBitmapIndicesAtBlockNumber`, which reverts for an operator
 * with no bitmap update at or before the block, then `getQuorumBitmapAtBlockNumberByIndex`.
 */
export async function getOperatorQuorumsAtBlock(parameters: {
  client: ChainClient
  registryCoordinator: Address
  operatorId: Hex
  blockNumber: bigint
}): Promise<number[] | undefined> {
  const { client, registryCoordinator, operatorId } = parameters
  const blockNumber = Number(parameters.blockNumber)
  let index: number
  try {
    const [found] = await client.readContract({
      address: registryCoordinator,
      abi: registryCoordinatorAbi,
      functionName: 'getQuorumBitmapIndicesAtBlockNumber',
      args: [blockNumber, [operatorId]],
    })
    index = found ?? 0
  } catch (error) {
    const typed = toChainError(error, { functionName: 'getQuorumBitmapIndicesAtBlockNumber' })
    if (typed instanceof ContractRevertedError) return undefined
    throw typed
  }
  try {
    const bitmap = await client.readContract({
      address: registryCoordinator,
      abi: registryCoordinatorAbi,
      functionName: 'getQuorumBitmapAtBlockNumberByIndex',
      args: [operatorId, blockNumber, BigInt(index)],
    })
    return quorumsFromBitmap(bitmap)
  } catch (error) {
    throw toChainError(error, { functionName: 'getQuorumBitmapAtBlockNumberByIndex' })
  }
}
