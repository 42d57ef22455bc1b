/**
 * The operator ids registered in quorums at a past block, from the IndexRegistry's history
 * (`getOperatorListAtBlockNumber`, EigenLayer M2 middleware). The registry coordinator names its IndexRegistry.
 * The history is read from the latest state, so a node without archive state answers too.
 */
import type { Address, Hex } from 'viem'
import { indexRegistryAbi, registryCoordinatorAbi } from './artifacts/index.js'
import type { ChainClient } from './clients.js'
import { toChainError } from './errors.js'

/**
 * Operator ids of each quorum at `blockNumber`, in quorum order (index order inside a quorum).
 *
 * @example
 * const [quorum0, quorum1] = await getQuorumOperatorIds({ client, registryCoordinator, quorumNumbers: [0, 1], blockNumber: 120n })
 */
export async function getQuorumOperatorIds(parameters: {
  client: ChainClient
  registryCoordinator: Address
  quorumNumbers: readonly number[]
  blockNumber: bigint
}): Promise<Hex[][]> {
  const { client, blockNumber } = parameters
  try {
    const indexRegistry = await client.readContract({
      address: parameters.registryCoordinator,
      abi: registryCoordinatorAbi,
      functionName: 'indexRegistry',
    })
    return await Promise.all(
      parameters.quorumNumbers.map(
        async (quorumNumber) =>
          (await client.readContract({
            address: indexRegistry,
            abi: indexRegistryAbi,
            functionName: 'getOperatorListAtBlockNumber',
            args: [quorumNumber, Number(blockNumber)],
          })) as Hex[],
      ),
    )
  } catch (error) {
    throw toChainError(error, { functionName: 'getOperatorListAtBlockNumber' })
  }
}
