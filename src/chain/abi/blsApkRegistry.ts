/** EigenLayer M2 BLSApkRegistry (Layr-Labs/eigenlayer-middleware `src/interfaces/IBLSApkRegistry.sol`). */
import { parseAbi } from 'viem'

export const blsApkRegistryAbi = parseAbi([
  'struct G1Point { uint256 X; uint256 Y; }',
  'struct G2Point { uint256[2] X; uint256[2] Y; }',
  'event NewPubkeyRegistration(address indexed operator, G1Point pubkeyG1, G2Point pubkeyG2)',
  'function getRegisteredPubkey(address operator) view returns (G1Point, bytes32)',
  'function getOperatorId(address operator) view returns (bytes32)',
])
