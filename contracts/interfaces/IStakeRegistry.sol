// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {IDelegationManager} from "./IDelegationManager.sol";

/// @notice Stake registry of the M2 middleware: weighted stake per operator and quorum, with history.
/// ABI: Layr-Labs/eigenlayer-middleware v0.2.1-mainnet-rewards src/interfaces/IStakeRegistry.sol
interface IStakeRegistry {
    /// @dev Valid from `updateBlockNumber` (inclusive) to `nextUpdateBlockNumber` (exclusive; 0 while latest).
    struct StakeUpdate {
        uint32 updateBlockNumber;
        uint32 nextUpdateBlockNumber;
        uint96 stake;
    }

    /// @dev weight = Σ shares(strategy) · multiplier / 1e18
    struct StrategyParams {
        address strategy;
        uint96 multiplier;
    }

    event OperatorStakeUpdate(bytes32 indexed operatorId, uint8 quorumNumber, uint96 stake);
    event MinimumStakeForQuorumUpdated(uint8 indexed quorumNumber, uint96 minimumStake);
    event QuorumCreated(uint8 indexed quorumNumber);
    event StrategyAddedToQuorum(uint8 indexed quorumNumber, address strategy);
    event StrategyRemovedFromQuorum(uint8 indexed quorumNumber, address strategy);
    event StrategyMultiplierUpdated(uint8 indexed quorumNumber, address strategy, uint256 multiplier);

    function delegation() external view returns (IDelegationManager);

    function registerOperator(address operator, bytes32 operatorId, bytes calldata quorumNumbers)
        external
        returns (uint96[] memory operatorStakes, uint96[] memory totalStakes);

    function deregisterOperator(bytes32 operatorId, bytes calldata quorumNumbers) external;

    /// @return quorumsBelowMinimum bitmap of the quorums where the operator fell below the minimum stake
    function updateOperatorStake(address operator, bytes32 operatorId, bytes calldata quorumNumbers)
        external
        returns (uint192 quorumsBelowMinimum);

    function initializeQuorum(uint8 quorumNumber, uint96 minimumStake, StrategyParams[] memory strategyParams) external;

    function getCurrentStake(bytes32 operatorId, uint8 quorumNumber) external view returns (uint96);

    function getStakeAtBlockNumber(bytes32 operatorId, uint8 quorumNumber, uint32 blockNumber)
        external
        view
        returns (uint96);

    function getStakeUpdateIndexAtBlockNumber(bytes32 operatorId, uint8 quorumNumber, uint32 blockNumber)
        external
        view
        returns (uint32);

    function getStakeAtBlockNumberAndIndex(uint8 quorumNumber, uint32 blockNumber, bytes32 operatorId, uint256 index)
        external
        view
        returns (uint96);

    function getTotalStakeAtBlockNumberFromIndex(uint8 quorumNumber, uint32 blockNumber, uint256 index)
        external
        view
        returns (uint96);

    function getTotalStakeIndicesAtBlockNumber(uint32 blockNumber, bytes calldata quorumNumbers)
        external
        view
        returns (uint32[] memory);
}
