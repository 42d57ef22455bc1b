/**
 * What full-set stake sync reads, all at one block: each quorum's operator set with the stakes the StakeRegistry
 * recorded (`OperatorStateRetriever.getOperatorState(registryCoordinator, quorumNumbers, block)`), each
 * operator's weight now (`StakeRegistry.weightOfOperatorForQuorum`), the quorum's minimum stake, and the block of
 * its last full update (`RegistryCoordinator.quorumUpdateBlockNumber`). Every call is in the M2 middleware ABI
 * (Layr-Labs/eigenlayer-middleware `src/StakeRegistry.sol`, `src/RegistryCoordinator.sol`,
 * `src/OperatorStateRetriever.sol`), so this reads any M2 deployment.
 *
 * An update records `weight` when it meets the quorum's minimum and 0 otherwise (M2 `StakeRegistry.updateOperatorStake`
 * then has the coordinator deregister the operator from the quorum): that is the `current` stake compared here.
 */
import type { Address, Hex } from 'viem'
import { registryCoordinatorAbi, stakeRegistryAbi } from '../chain/abi/index.js'
import type { ChainClient } from '../chain/clients.js'
import { toChainError } from '../chain/errors.js'
import { getOperatorState } from '../chain/getOperatorState.js'
import { mapConcurrent } from './mapConcurrent.js'

export type OperatorStake = {
  address: Address
  operatorId: Hex
  /** The stake the StakeRegistry holds for the operator in this quorum. */
  recorded: bigint
  /** The stake an update would record now: the operator's weight, or 0 below the quorum's minimum stake. */
  current: bigint
}

export type QuorumStakes = {
  quorumNumber: number
  /** The block every value was read at. */
  blockNumber: bigint
  /** The quorum's whole operator set at `blockNumber`, ascending by address (the order M2 requires). */
  operators: OperatorStake[]
  minimumStake: bigint
  /** `quorumUpdateBlockNumber(quorum)`: block of the last `updateOperatorsForQuorum` covering it; 0 for never. */
  lastFullUpdateBlock: bigint
}

export type ReadQuorumStakesParameters = {
  client: ChainClient
  registryCoordinator: Address
  operatorStateRetriever: Address
  /** `registryCoordinator.stakeRegistry()`. */
  stakeRegistry: Address
  quorumNumbers: readonly number[]
  /** Default: the latest block. */
  blockNumber?: bigint | undefined
  /** Reads in flight at once (default 16). */
  concurrency?: number | undefined
}

/** Sorts addresses as uint160, ascending: the order `updateOperatorsForQuorum` checks. */
export function compareAddresses(a: Address, b: Address): number {
  const x = BigInt(a)
  const y = BigInt(b)
  return x < y ? -1 : x > y ? 1 : 0
}

/** The stakes that changed: operators whose recorded stake is not what an update would record now. */
export function changedOperators(operators: readonly OperatorStake[]): OperatorStake[] {
  return operators.filter((operator) => operator.recorded !== operator.current)
}

/**
 * @example
 * const [quorum0] = await readQuorumStakes({ client, registryCoordinator, operatorStateRetriever, stakeRegistry, quorumNumbers: [0] })
 * const changed = changedOperators(quorum0.operators)
 */
export async function readQuorumStakes(parameters: ReadQuorumStakesParameters): Promise<QuorumStakes[]> {
  const { client, registryCoordinator, stakeRegistry } = parameters
  const concurrency = parameters.concurrency ?? 16
  const blockNumber = parameters.blockNumber ?? (await latestBlock(client))
  const state = await getOperatorState({
    client,
    operatorStateRetriever: parameters.operatorStateRetriever,
    registryCoordinator,
    quorumNumbers: parameters.quorumNumbers,
    blockNumber,
  })
  const read = async <T>(functionName: string, call: () => Promise<T>): Promise<T> => {
    try {
      return await call()
    } catch (error) {
      throw toChainError(error, { functionName })
    }
  }
  return mapConcurrent(state.quorums, 2, async (quorum) => {
    const quorumNumber = quorum.quorumNumber
    const [minimumStake, lastFullUpdateBlock] = await Promise.all([
      read('minimumStakeForQuorum', () =>
        client.readContract({
          address: stakeRegistry,
          abi: stakeRegistryAbi,
          functionName: 'minimumStakeForQuorum',
          args: [quorumNumber],
          blockNumber,
        }),
      ),
      read('quorumUpdateBlockNumber', () =>
        client.readContract({
          address: registryCoordinator,
          abi: registryCoordinatorAbi,
          functionName: 'quorumUpdateBlockNumber',
          args: [quorumNumber],
          blockNumber,
        }),
      ),
    ])
    const sorted = [...quorum.operators].sort((a, b) => compareAddresses(a.address, b.address))
    const weights = await mapConcurrent(sorted, concurrency, (operator) =>
      read('weightOfOperatorForQuorum', () =>
        client.readContract({
          address: stakeRegistry,
          abi: stakeRegistryAbi,
          functionName: 'weightOfOperatorForQuorum',
          args: [quorumNumber, operator.address],
          blockNumber,
        }),
      ),
    )
    return {
      quorumNumber,
      blockNumber,
      minimumStake,
      lastFullUpdateBlock,
      operators: sorted.map((operator, i) => {
        const weight = weights[i] as bigint
        return {
          address: operator.address,
          operatorId: operator.operatorId,
          recorded: operator.stake,
          current: weight >= minimumStake ? weight : 0n,
        }
      }),
    }
  })
}

export async function latestBlock(client: ChainClient): Promise<bigint> {
  try {
    return await client.getBlockNumber()
  } catch (error) {
    throw toChainError(error, { functionName: 'eth_blockNumber' })
  }
}

/** `registryCoordinator.stakeRegistry()`. */
export async function getStakeRegistry(client: ChainClient, registryCoordinator: Address): Promise<Address> {
  try {
    return await client.readContract({
      address: registryCoordinator,
      abi: registryCoordinatorAbi,
      functionName: 'stakeRegistry',
    })
  } catch (error) {
    throw toChainError(error, { functionName: 'stakeRegistry' })
  }
}
