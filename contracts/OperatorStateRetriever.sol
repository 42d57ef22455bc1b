// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {IBLSApkRegistry} from "./interfaces/IBLSApkRegistry.sol";
import {IIndexRegistry} from "./interfaces/IIndexRegistry.sol";
import {IRegistryCoordinator} from "./interfaces/IRegistryCoordinator.sol";
import {IStakeRegistry} from "./interfaces/IStakeRegistry.sol";
import {QuorumBitmap} from "./libraries/QuorumBitmap.sol";

/**
 * @title OperatorStateRetriever
 * @notice Stateless batch reads over a registry coordinator: the operator set of quorums at a block, and the history
 * indices `checkSignatures` needs for a reference block and a set of non-signers.
 * ABI: Layr-Labs/eigenlayer-middleware v0.2.1-mainnet-rewards src/OperatorStateRetriever.sol
 */
contract OperatorStateRetriever {
    struct Operator {
        address operator;
        bytes32 operatorId;
        uint96 stake;
    }

    struct CheckSignaturesIndices {
        uint32[] nonSignerQuorumBitmapIndices;
        uint32[] quorumApkIndices;
        uint32[] totalStakeIndices;
        // [quorum index][non-signer in that quorum, in input order]
        uint32[][] nonSignerStakeIndices;
    }

    error OperatorNotRegisteredAtBlock(bytes32 operatorId, uint32 blockNumber);

    /// @notice The quorum bitmap of `operatorId` at `blockNumber`, and the operator set of each of those quorums.
    function getOperatorState(IRegistryCoordinator registryCoordinator, bytes32 operatorId, uint32 blockNumber)
        external
        view
        returns (uint256 quorumBitmap, Operator[][] memory operators)
    {
        bytes32[] memory operatorIds = new bytes32[](1);
        operatorIds[0] = operatorId;
        uint256 index = registryCoordinator.getQuorumBitmapIndicesAtBlockNumber(blockNumber, operatorIds)[0];
        quorumBitmap = registryCoordinator.getQuorumBitmapAtBlockNumberByIndex(operatorId, blockNumber, index);
        operators = getOperatorState(registryCoordinator, QuorumBitmap.toBytes(quorumBitmap), blockNumber);
    }

    /// @notice For each quorum, its operators at `blockNumber` (index order) with their stake at that block.
    function getOperatorState(IRegistryCoordinator registryCoordinator, bytes memory quorumNumbers, uint32 blockNumber)
        public
        view
        returns (Operator[][] memory operators)
    {
        IStakeRegistry stakeRegistry = registryCoordinator.stakeRegistry();
        IIndexRegistry indexRegistry = registryCoordinator.indexRegistry();
        IBLSApkRegistry blsApkRegistry = registryCoordinator.blsApkRegistry();

        operators = new Operator[][](quorumNumbers.length);
        for (uint256 i = 0; i < quorumNumbers.length; i++) {
            uint8 quorumNumber = uint8(quorumNumbers[i]);
            bytes32[] memory operatorIds = indexRegistry.getOperatorListAtBlockNumber(quorumNumber, blockNumber);
            operators[i] = new Operator[](operatorIds.length);
            for (uint256 j = 0; j < operatorIds.length; j++) {
                operators[i][j] = Operator({
                    operator: blsApkRegistry.getOperatorFromPubkeyHash(operatorIds[j]),
                    operatorId: operatorIds[j],
                    stake: stakeRegistry.getStakeAtBlockNumber(operatorIds[j], quorumNumber, blockNumber)
                });
            }
        }
    }

    /// @notice The indices for `BLSSignatureChecker.checkSignatures` at `referenceBlockNumber`.
    function getCheckSignaturesIndices(
        IRegistryCoordinator registryCoordinator,
        uint32 referenceBlockNumber,
        bytes calldata quorumNumbers,
        bytes32[] calldata nonSignerOperatorIds
    ) external view returns (CheckSignaturesIndices memory indices) {
        IStakeRegistry stakeRegistry = registryCoordinator.stakeRegistry();
        indices.nonSignerQuorumBitmapIndices =
            registryCoordinator.getQuorumBitmapIndicesAtBlockNumber(referenceBlockNumber, nonSignerOperatorIds);
        indices.totalStakeIndices = stakeRegistry.getTotalStakeIndicesAtBlockNumber(referenceBlockNumber, quorumNumbers);
        indices.quorumApkIndices =
            registryCoordinator.blsApkRegistry().getApkIndicesAtBlockNumber(quorumNumbers, referenceBlockNumber);

        uint256[] memory bitmaps = _nonSignerBitmaps(
            registryCoordinator, referenceBlockNumber, nonSignerOperatorIds, indices.nonSignerQuorumBitmapIndices
        );
        indices.nonSignerStakeIndices = new uint32[][](quorumNumbers.length);
        for (uint256 q = 0; q < quorumNumbers.length; q++) {
            indices.nonSignerStakeIndices[q] = _nonSignerStakeIndices(
                stakeRegistry, uint8(quorumNumbers[q]), referenceBlockNumber, nonSignerOperatorIds, bitmaps
            );
        }
    }

    /// @notice Each operator's quorum bitmap at `blockNumber`.
    function getQuorumBitmapsAtBlockNumber(
        IRegistryCoordinator registryCoordinator,
        bytes32[] memory operatorIds,
        uint32 blockNumber
    ) external view returns (uint256[] memory bitmaps) {
        uint32[] memory indices = registryCoordinator.getQuorumBitmapIndicesAtBlockNumber(blockNumber, operatorIds);
        bitmaps = new uint256[](operatorIds.length);
        for (uint256 i = 0; i < operatorIds.length; i++) {
            bitmaps[i] = registryCoordinator.getQuorumBitmapAtBlockNumberByIndex(operatorIds[i], blockNumber, indices[i]);
        }
    }

    function getBatchOperatorId(IRegistryCoordinator registryCoordinator, address[] memory operators)
        external
        view
        returns (bytes32[] memory operatorIds)
    {
        operatorIds = new bytes32[](operators.length);
        for (uint256 i = 0; i < operators.length; i++) {
            operatorIds[i] = registryCoordinator.getOperatorId(operators[i]);
        }
    }

    function getBatchOperatorFromId(IRegistryCoordinator registryCoordinator, bytes32[] memory operatorIds)
        external
        view
        returns (address[] memory operators)
    {
        operators = new address[](operatorIds.length);
        for (uint256 i = 0; i < operatorIds.length; i++) {
            operators[i] = registryCoordinator.getOperatorFromId(operatorIds[i]);
        }
    }

    function _nonSignerBitmaps(
        IRegistryCoordinator registryCoordinator,
        uint32 referenceBlockNumber,
        bytes32[] calldata operatorIds,
        uint32[] memory bitmapIndices
    ) internal view returns (uint256[] memory bitmaps) {
        bitmaps = new uint256[](operatorIds.length);
        for (uint256 i = 0; i < operatorIds.length; i++) {
            bitmaps[i] = registryCoordinator.getQuorumBitmapAtBlockNumberByIndex(
                operatorIds[i], referenceBlockNumber, bitmapIndices[i]
            );
            if (bitmaps[i] == 0) revert OperatorNotRegisteredAtBlock(operatorIds[i], referenceBlockNumber);
        }
    }

    /// @dev Stake history indices of the non-signers that are in `quorumNumber`, in input order.
    function _nonSignerStakeIndices(
        IStakeRegistry stakeRegistry,
        uint8 quorumNumber,
        uint32 referenceBlockNumber,
        bytes32[] calldata operatorIds,
        uint256[] memory bitmaps
    ) internal view returns (uint32[] memory stakeIndices) {
        stakeIndices = new uint32[](operatorIds.length);
        uint256 count = 0;
        for (uint256 i = 0; i < operatorIds.length; i++) {
            if (!QuorumBitmap.isSet(bitmaps[i], quorumNumber)) continue;
            stakeIndices[count] =
                stakeRegistry.getStakeUpdateIndexAtBlockNumber(operatorIds[i], quorumNumber, referenceBlockNumber);
            count++;
        }
        // Trim to the non-signers found in this quorum.
        assembly ("memory-safe") {
            mstore(stakeIndices, count)
        }
    }
}
