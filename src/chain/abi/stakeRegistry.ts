/** EigenLayer M2 StakeRegistry (Layr-Labs/eigenlayer-middleware `src/interfaces/IStakeRegistry.sol`). */
import { parseAbi } from 'viem'

export const stakeRegistryAbi = parseAbi([
  'function minimumStakeForQuorum(uint8 quorumNumber) view returns (uint96)',
  'function weightOfOperatorForQuorum(uint8 quorumNumber, address operator) view returns (uint96)',
  'function getCurrentStake(bytes32 operatorId, uint8 quorumNumber) view returns (uint96)',
  'function getCurrentTotalStake(uint8 quorumNumber) view returns (uint96)',
  'event OperatorStakeUpdate(bytes32 indexed operatorId, uint8 quorumNumber, uint96 stake)',
])
