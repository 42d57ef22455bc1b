/**
 * What operator-subset stake sync reads, at one block: for each given operator, whether it is registered
 * (`RegistryCoordinator.getOperatorStatus`), its operator id and current quorums (`getOperatorId`,
 * `getCurrentQuorumBitmap`), and per quorum the stake the StakeRegistry recorded (`getCurrentStake`) against the
 * stake an update would record now (`weightOfOperatorForQuorum`, 0 below `minimumStakeForQuorum`). All M2 middleware
 * calls (Layr-Labs/eigenlayer-middleware `src/RegistryCoordinator.sol`, `src/StakeRegistry.sol`).
 */
import type { Address, Hex } from 'viem'
import { operatorStatus, registryCoordinatorAbi, stakeRegistryAbi } from '../chain/abi/index.js'
import type { ChainClient } from '../chain/clients.js'
import { toChainError } from '../chain/errors.js'
import { quorumsFromBitmap } from '../chain/quorumNumbers.js'
import { mapConcurrent } from './mapConcurrent.js'

export type SubsetOperatorStakes = {
  address: Address
  /** Only registered operators are updated by `updateOperators` (M2 skips the others). */
  registered: boolean
  operatorId: Hex
  quorums: { quorumNumber: number; recorded: bigint; current: bigint }[]
}

export type ReadOperatorStakesParameters = {
  client: ChainClient
  registryCoordinator: Address
  stakeRegistry: Address
  operators: readonly Address[]
  blockNumber: bigint
  concurrency?: number | undefined
}

export async function readOperatorStakes(parameters: ReadOperatorStakesParameters): Promise<SubsetOperatorStakes[]> {
  const { client, registryCoordinator, stakeRegistry, blockNumber } = parameters
  const read = async <T>(functionName: string, call: () => Promise<T>): Promise<T> => {
    try {
      return await call()
    } catch (error) {
      throw toChainError(error, { functionName })
    }
  }
  const minimums = new Map<number, Promise<bigint>>()
  const minimumStake = (quorumNumber: number) => {
    let minimum = minimums.get(quorumNumber)
    if (!minimum) {
      minimum = read('minimumStakeForQuorum', () =>
        client.readContract({
          address: stakeRegistry,
          abi: stakeRegistryAbi,
          functionName: 'minimumStakeForQuorum',
          args: [quorumNumber],
          blockNumber,
        }),
      )
      minimums.set(quorumNumber, minimum)
    }
    return minimum
  }
  return mapConcurrent(parameters.operators, parameters.concurrency ?? 8, async (address) => {
    const [status, operatorId] = await Promise.all([
      read('getOperatorStatus', () =>
        client.readContract({
          address: registryCoordinator,
          abi: registryCoordinatorAbi,
          functionName: 'getOperatorStatus',
          args: [address],
          blockNumber,
        }),
      ),
      read('getOperatorId', () =>
        client.readContract({
          address: registryCoordinator,
          abi: registryCoordinatorAbi,
          functionName: 'getOperatorId',
          args: [address],
          blockNumber,
        }),
      ),
    ])
    const registered = operatorStatus[status] === 'REGISTERED'
    if (!registered) return { address, registered, operatorId, quorums: [] }
    const bitmap = await read('getCurrentQuorumBitmap', () =>
      client.readContract({
        address: registryCoordinator,
        abi: registryCoordinatorAbi,
        functionName: 'getCurrentQuorumBitmap',
        args: [operatorId],
        blockNumber,
      }),
    )
    const quorums = await Promise.all(
      quorumsFromBitmap(bitmap).map(async (quorumNumber) => {
        const [recorded, weight, minimum] = await Promise.all([
          read('getCurrentStake', () =>
            client.readContract({
              address: stakeRegistry,
              abi: stakeRegistryAbi,
              functionName: 'getCurrentStake',
              args: [operatorId, quorumNumber],
              blockNumber,
            }),
          ),
          read('weightOfOperatorForQuorum', () =>
            client.readContract({
              address: stakeRegistry,
              abi: stakeRegistryAbi,
              functionName: 'weightOfOperatorForQuorum',
              args: [quorumNumber, address],
              blockNumber,
            }),
          ),
          minimumStake(quorumNumber),
        ])
        return { quorumNumber, recorded, current: weight >= minimum ? weight : 0n }
      }),
    )
    return { address, registered, operatorId, quorums }
  })
}
