// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {BN254} from "../libraries/BN254.sol";

/// @notice BLS aggregate-public-key registry of the M2 middleware.
/// ABI: Layr-Labs/eigenlayer-middleware v0.2.1-mainnet-rewards src/interfaces/IBLSApkRegistry.sol
interface IBLSApkRegistry {
    /// @dev `apkHash` is the first 24 bytes of keccak256(apk.X ‖ apk.Y); valid from `updateBlockNumber` (inclusive)
    /// to `nextUpdateBlockNumber` (exclusive; 0 while latest).
    struct ApkUpdate {
        bytes24 apkHash;
        uint32 updateBlockNumber;
        uint32 nextUpdateBlockNumber;
    }

    /// @dev The signature is sk · pubkeyRegistrationMessageHash(operator); pubkeyG2 pairs are [imaginary, real].
    struct PubkeyRegistrationParams {
        BN254.G1Point pubkeyRegistrationSignature;
        BN254.G1Point pubkeyG1;
        BN254.G2Point pubkeyG2;
    }

    event NewPubkeyRegistration(address indexed operator, BN254.G1Point pubkeyG1, BN254.G2Point pubkeyG2);
    event OperatorAddedToQuorums(address operator, bytes32 operatorId, bytes quorumNumbers);
    event OperatorRemovedFromQuorums(address operator, bytes32 operatorId, bytes quorumNumbers);

    function registerBLSPublicKey(
        address operator,
        PubkeyRegistrationParams calldata params,
        BN254.G1Point calldata pubkeyRegistrationMessageHash
    ) external returns (bytes32 operatorId);

    function registerOperator(address operator, bytes calldata quorumNumbers) external;

    function deregisterOperator(address operator, bytes calldata quorumNumbers) external;

    function initializeQuorum(uint8 quorumNumber) external;

    function getOperatorId(address operator) external view returns (bytes32);

    function getOperatorFromPubkeyHash(bytes32 pubkeyHash) external view returns (address);

    function getApkIndicesAtBlockNumber(bytes calldata quorumNumbers, uint256 blockNumber)
        external
        view
        returns (uint32[] memory);

    function getApkHashAtBlockNumberAndIndex(uint8 quorumNumber, uint32 blockNumber, uint256 index)
        external
        view
        returns (bytes24);
}
