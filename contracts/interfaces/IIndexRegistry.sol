// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

/// @notice Ordered operator list per quorum, with history, of the M2 middleware.
/// ABI: Layr-Labs/eigenlayer-middleware v0.2.1-mainnet-rewards src/interfaces/IIndexRegistry.sol
interface IIndexRegistry {
    /// @dev `operatorId` held this index from `fromBlockNumber` on (0 = index unused).
    struct OperatorUpdate {
        uint32 fromBlockNumber;
        bytes32 operatorId;
    }

    /// @dev The quorum had `numOperators` operators from `fromBlockNumber` on.
    struct QuorumUpdate {
        uint32 fromBlockNumber;
        uint32 numOperators;
    }

    event QuorumIndexUpdate(bytes32 indexed operatorId, uint8 quorumNumber, uint32 newOperatorIndex);

    /// @return numOperatorsPerQuorum operator count of each quorum after adding the operator
    function registerOperator(bytes32 operatorId, bytes calldata quorumNumbers)
        external
        returns (uint32[] memory numOperatorsPerQuorum);

    function deregisterOperator(bytes32 operatorId, bytes calldata quorumNumbers) external;

    function initializeQuorum(uint8 quorumNumber) external;

    function totalOperatorsForQuorum(uint8 quorumNumber) external view returns (uint32);

    function getOperatorListAtBlockNumber(uint8 quorumNumber, uint32 blockNumber)
        external
        view
        returns (bytes32[] memory);
}
