/**
 * EigenLayer M2 OperatorStateRetriever (Layr-Labs/eigenlayer-middleware `src/OperatorStateRetriever.sol`).
 */
import { parseAbi } from 'viem'

export const operatorStateRetrieverAbi = parseAbi([
  'struct Operator { address operator; bytes32 operatorId; uint96 stake; }',
  'struct CheckSignaturesIndices { uint32[] nonSignerQuorumBitmapIndices; uint32[] quorumApkIndices; uint32[] totalStakeIndices; uint32[][] nonSignerStakeIndices; }',
  'function getOperatorState(address registryCoordinator, bytes quorumNumbers, uint32 blockNumber) view returns (Operator[][])',
  'function getCheckSignaturesIndices(address registryCoordinator, uint32 referenceBlockNumber, bytes quorumNumbers, bytes32[] nonSignerOperatorIds) view returns (CheckSignaturesIndices)',
])
