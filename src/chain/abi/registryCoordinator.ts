/**
 * The EigenLayer M2 RegistryCoordinator functions and events avskit calls, as the interface ABI of
 * Layr-Labs/eigenlayer-middleware `src/interfaces/IRegistryCoordinator.sol` and `RegistryCoordinator.sol` (M2,
 * v0.2.x–v0.4.x). avskit's own devnet contract implements the same ABI (a test checks it), so code written
 * against these fragments runs against any M2 deployment.
 */
import { parseAbi } from 'viem'

export const registryCoordinatorAbi = parseAbi([
  'struct G1Point { uint256 X; uint256 Y; }',
  'struct G2Point { uint256[2] X; uint256[2] Y; }',
  'struct PubkeyRegistrationParams { G1Point pubkeyRegistrationSignature; G1Point pubkeyG1; G2Point pubkeyG2; }',
  'struct SignatureWithSaltAndExpiry { bytes signature; bytes32 salt; uint256 expiry; }',
  'function registerOperator(bytes quorumNumbers, string socket, PubkeyRegistrationParams params, SignatureWithSaltAndExpiry operatorSignature)',
  'function deregisterOperator(bytes quorumNumbers)',
  'function updateOperators(address[] operators)',
  'function updateOperatorsForQuorum(address[][] operatorsPerQuorum, bytes quorumNumbers)',
  'function quorumCount() view returns (uint8)',
  'function getOperatorId(address operator) view returns (bytes32)',
  'function getOperatorStatus(address operator) view returns (uint8)',
  'function getCurrentQuorumBitmap(bytes32 operatorId) view returns (uint192)',
  'function getQuorumBitmapAtBlockNumberByIndex(bytes32 operatorId, uint32 blockNumber, uint256 index) view returns (uint192)',
  'function getQuorumBitmapIndicesAtBlockNumber(uint32 blockNumber, bytes32[] operatorIds) view returns (uint32[])',
  'function getOperatorFromId(bytes32 operatorId) view returns (address)',
  'function pubkeyRegistrationMessageHash(address operator) view returns (G1Point)',
  'function quorumUpdateBlockNumber(uint8 quorumNumber) view returns (uint256)',
  'function serviceManager() view returns (address)',
  'function stakeRegistry() view returns (address)',
  'function blsApkRegistry() view returns (address)',
  'function indexRegistry() view returns (address)',
  'event OperatorRegistered(address indexed operator, bytes32 indexed operatorId)',
  'event OperatorDeregistered(address indexed operator, bytes32 indexed operatorId)',
  'event OperatorSocketUpdate(bytes32 indexed operatorId, string socket)',
  'event QuorumBlockNumberUpdated(uint8 indexed quorumNumber, uint256 blocknumber)',
])

/** `IRegistryCoordinator.OperatorStatus`. */
export const operatorStatus = ['NEVER_REGISTERED', 'REGISTERED', 'DEREGISTERED'] as const
export type OperatorStatus = (typeof operatorStatus)[number]
