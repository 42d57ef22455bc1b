// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {IIndexRegistry} from "./interfaces/IIndexRegistry.sol";

/**
 * @title IndexRegistry
 * @notice Each quorum's operators as a dense list 0..n-1 that can be read at any past block. A new operator takes
 * index n; a leaving operator's index is taken by the operator at the last index (swap-and-pop). Both the operator
 * count and each index's occupant keep a history (`QuorumUpdate`, `OperatorUpdate`, valid from `fromBlockNumber`),
 * where a change in the block of the latest entry overwrites it. Operator id 0 marks an unused index.
 * ABI: Layr-Labs/eigenlayer-middleware v0.2.1-mainnet-rewards src/interfaces/IIndexRegistry.sol, src/IndexRegistry.sol,
 * src/IndexRegistryStorage.sol (public getters)
 */
contract IndexRegistry is IIndexRegistry {
    bytes32 public constant OPERATOR_DOES_NOT_EXIST_ID = bytes32(0);

    address public immutable registryCoordinator;

    /// @notice Latest index of an operator in a quorum (not cleared on deregistration, as in M2).
    mapping(uint8 quorumNumber => mapping(bytes32 operatorId => uint32)) public currentOperatorIndex;
    mapping(uint8 quorumNumber => mapping(uint32 operatorIndex => OperatorUpdate[])) internal _operatorIndexHistory;
    mapping(uint8 quorumNumber => QuorumUpdate[]) internal _operatorCountHistory;

    error CallerNotRegistryCoordinator(address caller);
    error QuorumDoesNotExist(uint8 quorumNumber);
    error QuorumAlreadyExists(uint8 quorumNumber);
    error QuorumDidNotExistAtBlock(uint8 quorumNumber, uint32 blockNumber);
    error OperatorMissingAtBlock(uint8 quorumNumber, uint32 operatorIndex, uint32 blockNumber);

    modifier onlyRegistryCoordinator() {
        if (msg.sender != registryCoordinator) revert CallerNotRegistryCoordinator(msg.sender);
        _;
    }

    constructor(address _registryCoordinator) {
        registryCoordinator = _registryCoordinator;
    }

    // ---------------------------------------------------------------- registry coordinator

    function registerOperator(bytes32 operatorId, bytes calldata quorumNumbers)
        external
        onlyRegistryCoordinator
        returns (uint32[] memory numOperatorsPerQuorum)
    {
        numOperatorsPerQuorum = new uint32[](quorumNumbers.length);
        for (uint256 i = 0; i < quorumNumbers.length; i++) {
            uint8 quorumNumber = uint8(quorumNumbers[i]);
            uint32 count = _latestQuorumUpdate(quorumNumber).numOperators + 1;
            _setOperatorCount(quorumNumber, count);
            _setOperatorAtIndex(quorumNumber, count - 1, operatorId);
            numOperatorsPerQuorum[i] = count;
        }
    }

    function deregisterOperator(bytes32 operatorId, bytes calldata quorumNumbers) external onlyRegistryCoordinator {
        for (uint256 i = 0; i < quorumNumbers.length; i++) {
            uint8 quorumNumber = uint8(quorumNumbers[i]);
            uint32 lastIndex = _latestQuorumUpdate(quorumNumber).numOperators - 1;
            uint32 removedIndex = currentOperatorIndex[quorumNumber][operatorId];
            bytes32 lastOperatorId = _latestOperatorUpdate(quorumNumber, lastIndex).operatorId;

            _setOperatorCount(quorumNumber, lastIndex);
            _recordIndexOccupant(quorumNumber, lastIndex, OPERATOR_DOES_NOT_EXIST_ID);
            if (lastOperatorId != operatorId) _setOperatorAtIndex(quorumNumber, removedIndex, lastOperatorId);
        }
    }

    function initializeQuorum(uint8 quorumNumber) external onlyRegistryCoordinator {
        if (_operatorCountHistory[quorumNumber].length != 0) revert QuorumAlreadyExists(quorumNumber);
        _operatorCountHistory[quorumNumber].push(QuorumUpdate(uint32(block.number), 0));
    }

    // ---------------------------------------------------------------- views

    function getOperatorUpdateAtIndex(uint8 quorumNumber, uint32 operatorIndex, uint32 arrayIndex)
        external
        view
        returns (OperatorUpdate memory)
    {
        return _operatorIndexHistory[quorumNumber][operatorIndex][arrayIndex];
    }

    function getQuorumUpdateAtIndex(uint8 quorumNumber, uint32 quorumIndex) external view returns (QuorumUpdate memory) {
        return _operatorCountHistory[quorumNumber][quorumIndex];
    }

    function getLatestQuorumUpdate(uint8 quorumNumber) external view returns (QuorumUpdate memory) {
        return _latestQuorumUpdate(quorumNumber);
    }

    /// @dev Reverts (array out of bounds) when the index was never used, as in M2.
    function getLatestOperatorUpdate(uint8 quorumNumber, uint32 operatorIndex)
        external
        view
        returns (OperatorUpdate memory)
    {
        return _latestOperatorUpdate(quorumNumber, operatorIndex);
    }

    function totalOperatorsForQuorum(uint8 quorumNumber) external view returns (uint32) {
        return _latestQuorumUpdate(quorumNumber).numOperators;
    }

    /// @notice The quorum's operator ids at `blockNumber`, in index order.
    function getOperatorListAtBlockNumber(uint8 quorumNumber, uint32 blockNumber)
        external
        view
        returns (bytes32[] memory operatorIds)
    {
        uint32 count = _operatorCountAt(quorumNumber, blockNumber);
        operatorIds = new bytes32[](count);
        for (uint32 i = 0; i < count; i++) {
            operatorIds[i] = _operatorIdAt(quorumNumber, i, blockNumber);
            if (operatorIds[i] == OPERATOR_DOES_NOT_EXIST_ID) revert OperatorMissingAtBlock(quorumNumber, i, blockNumber);
        }
    }

    // ---------------------------------------------------------------- internals

    function _latestQuorumUpdate(uint8 quorumNumber) internal view returns (QuorumUpdate storage) {
        QuorumUpdate[] storage history = _operatorCountHistory[quorumNumber];
        if (history.length == 0) revert QuorumDoesNotExist(quorumNumber);
        return history[history.length - 1];
    }

    function _latestOperatorUpdate(uint8 quorumNumber, uint32 operatorIndex)
        internal
        view
        returns (OperatorUpdate storage)
    {
        OperatorUpdate[] storage history = _operatorIndexHistory[quorumNumber][operatorIndex];
        return history[history.length - 1];
    }

    function _setOperatorCount(uint8 quorumNumber, uint32 count) internal {
        QuorumUpdate storage latest = _latestQuorumUpdate(quorumNumber);
        if (latest.fromBlockNumber == uint32(block.number)) {
            latest.numOperators = count;
        } else {
            _operatorCountHistory[quorumNumber].push(QuorumUpdate(uint32(block.number), count));
        }
    }

    function _setOperatorAtIndex(uint8 quorumNumber, uint32 operatorIndex, bytes32 operatorId) internal {
        _recordIndexOccupant(quorumNumber, operatorIndex, operatorId);
        currentOperatorIndex[quorumNumber][operatorId] = operatorIndex;
        emit QuorumIndexUpdate(operatorId, quorumNumber, operatorIndex);
    }

    function _recordIndexOccupant(uint8 quorumNumber, uint32 operatorIndex, bytes32 operatorId) internal {
        OperatorUpdate[] storage history = _operatorIndexHistory[quorumNumber][operatorIndex];
        if (history.length != 0 && history[history.length - 1].fromBlockNumber == uint32(block.number)) {
            history[history.length - 1].operatorId = operatorId;
        } else {
            history.push(OperatorUpdate(uint32(block.number), operatorId));
        }
    }

    function _operatorCountAt(uint8 quorumNumber, uint32 blockNumber) internal view returns (uint32) {
        QuorumUpdate[] storage history = _operatorCountHistory[quorumNumber];
        for (uint256 i = history.length; i > 0; i--) {
            if (history[i - 1].fromBlockNumber <= blockNumber) return history[i - 1].numOperators;
        }
        revert QuorumDidNotExistAtBlock(quorumNumber, blockNumber);
    }

    function _operatorIdAt(uint8 quorumNumber, uint32 operatorIndex, uint32 blockNumber)
        internal
        view
        returns (bytes32)
    {
        OperatorUpdate[] storage history = _operatorIndexHistory[quorumNumber][operatorIndex];
        for (uint256 i = history.length; i > 0; i--) {
            if (history[i - 1].fromBlockNumber <= blockNumber) return history[i - 1].operatorId;
        }
        return OPERATOR_DOES_NOT_EXIST_ID;
    }
}
