/**
 * An operator's registration status on the RegistryCoordinator (`getOperatorStatus`, EigenLayer M2 middleware):
 * NEVER_REGISTERED, REGISTERED or DEREGISTERED.
 */
import type { Address } from 'viem'
import { type OperatorStatus, operatorStatus, registryCoordinatorAbi } from './abi/registryCoordinator.js'
import type { ChainClient } from './clients.js'
import { toChainError } from './errors.js'

/**
 * @example
 * const status = await getOperatorStatus({ client, registryCoordinator, operator }) // 'REGISTERED'
 */
export async function getOperatorStatus(parameters: {
  client: ChainClient
  registryCoordinator: Address
  operator: Address
  blockNumber?: bigint | undefined
}): Promise<OperatorStatus> {
  try {
    const code = await parameters.client.readContract({
      address: parameters.registryCoordinator,
      abi: registryCoordinatorAbi,
      functionName: 'getOperatorStatus',
      args: [parameters.operator],
      ...(parameters.blockNumber === undefined ? {} : { blockNumber: parameters.blockNumber }),
    })
    return operatorStatus[code] ?? 'NEVER_REGISTERED'
  } catch (error) {
    throw toChainError(error, { functionName: 'getOperatorStatus' })
  }
}
