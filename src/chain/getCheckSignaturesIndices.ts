import type { Address, Hex } from 'viem'
import { operatorStateRetrieverAbi } from './abi/index.js'
import type { ChainClient } from './clients.js'
import { toChainError } from './errors.js'
import { encodeQuorumNumbers } from './quorumNumbers.js'

export type GetCheckSignaturesIndicesParameters = {
  client: ChainClient
  operatorStateRetriever: Address
  registryCoordinator: Address
  referenceBlock: bigint
  quorumNumbers: readonly number[]
  /** Sorted ascending as uint256 (checkSignatures requires it). */
  nonSignerOperatorIds: readonly Hex[]
}

export type CheckSignaturesIndices = {
  nonSignerQuorumBitmapIndices: readonly number[]
  quorumApkIndices: readonly number[]
  totalStakeIndices: readonly number[]
  nonSignerStakeIndices: readonly (readonly number[])[]
}

/**
 * The history indices `checkSignatures` needs to find each value at the reference block
 * (`OperatorStateRetriever.getCheckSignaturesIndices`).
 */
export async function getCheckSignaturesIndices(
  parameters: GetCheckSignaturesIndicesParameters,
): Promise<CheckSignaturesIndices> {
  try {
    return await parameters.client.readContract({
      address: parameters.operatorStateRetriever,
      abi: operatorStateRetrieverAbi,
      functionName: 'getCheckSignaturesIndices',
      args: [
        parameters.registryCoordinator,
        Number(parameters.referenceBlock),
        encodeQuorumNumbers(parameters.quorumNumbers),
        [...parameters.nonSignerOperatorIds],
      ],
    })
  } catch (error) {
    throw toChainError(error, { functionName: 'getCheckSignaturesIndices' })
  }
}
