// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {IBLSApkRegistry} from "./IBLSApkRegistry.sol";
import {IIndexRegistry} from "./IIndexRegistry.sol";
import {IOwnable} from "./IOwnable.sol";
import {IStakeRegistry} from "./IStakeRegistry.sol";

/// @notice Registry coordinator of the M2 middleware (types, events and the getters other contracts read).
/// ABI: Layr-Labs/eigenlayer-middleware v0.2.1-mainnet-rewards src/interfaces/IRegistryCoordinator.sol,
/// `OperatorSocketUpdate` from src/interfaces/ISocketUpdater.sol.
interface IRegistryCoordinator is IOwnable {
    enum OperatorStatus {
        NEVER_REGISTERED,
        REGISTERED,
        DEREGISTERED
    }

    struct OperatorInfo {
        bytes32 operatorId;
        OperatorStatus status;
    }

    /// @dev Valid from `updateBlockNumber` (inclusive) to `nextUpdateBlockNumber` (exclusive; 0 while latest).
    struct QuorumBitmapUpdate {
        uint32 updateBlockNumber;
        uint32 nextUpdateBlockNumber;
        uint192 quorumBitmap;
    }

    /// @dev The kick fields are kept for ABI compatibility; this devnet has no churn.
    struct OperatorSetParam {
        uint32 maxOperatorCount;
        uint16 kickBIPsOfOperatorStake;
        uint16 kickBIPsOfTotalStake;
    }

    event OperatorRegistered(address indexed operator, bytes32 indexed operatorId);
    event OperatorDeregistered(address indexed operator, bytes32 indexed operatorId);
    event OperatorSetParamsUpdated(uint8 indexed quorumNumber, OperatorSetParam operatorSetParams);
    event QuorumBlockNumberUpdated(uint8 indexed quorumNumber, uint256 blocknumber);
    event OperatorSocketUpdate(bytes32 indexed operatorId, string socket);

    function quorumCount() external view returns (uint8);

    function stakeRegistry() external view returns (IStakeRegistry);

    function blsApkRegistry() external view returns (IBLSApkRegistry);

    function indexRegistry() external view returns (IIndexRegistry);

    function getOperatorId(address operator) external view returns (bytes32);

    function getOperatorFromId(bytes32 operatorId) external view returns (address);

    function getQuorumBitmapIndicesAtBlockNumber(uint32 blockNumber, bytes32[] memory operatorIds)
        external
        view
        returns (uint32[] memory);

    function getQuorumBitmapAtBlockNumberByIndex(bytes32 operatorId, uint32 blockNumber, uint256 index)
        external
        view
        returns (uint192);

    function quorumUpdateBlockNumber(uint8 quorumNumber) external view returns (uint256);
}
