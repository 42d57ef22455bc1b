/**
 * EigenLayer M2 ServiceManagerBase getters (Layr-Labs/eigenlayer-middleware `src/ServiceManagerBase.sol`) and
 * the AVSDirectory registration digest (Layr-Labs/eigenlayer-contracts `src/contracts/core/AVSDirectory.sol`).
 */
import { parseAbi } from 'viem'

export const serviceManagerAbi = parseAbi(['function avsDirectory() view returns (address)'])

export const avsDirectoryAbi = parseAbi([
  'function calculateOperatorAVSRegistrationDigestHash(address operator, address avs, bytes32 salt, uint256 expiry) view returns (bytes32)',
  'function operatorSaltIsSpent(address operator, bytes32 salt) view returns (bool)',
])
