import type { Address } from 'viem'
import { registryCoordinatorAbi } from './abi/index.js'
import type { ChainClient } from './clients.js'
import { toChainError } from './errors.js'

/** Number of quorums created on a RegistryCoordinator (`quorumCount()`); quorums are numbered 0…count−1. */
export async function getQuorumCount(parameters: {
  client: ChainClient
  registryCoordinator: Address
}): Promise<number> {
  try {
    return await parameters.client.readContract({
      address: parameters.registryCoordinator,
      abi: registryCoordinatorAbi,
      functionName: 'quorumCount',
    })
  } catch (error) {
    throw toChainError(error, { functionName: 'quorumCount' })
  }
}
