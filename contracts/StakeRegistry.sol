// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {IDelegationManager} from "./interfaces/IDelegationManager.sol";
import {IRegistryCoordinator} from "./interfaces/IRegistryCoordinator.sol";
import {IStakeRegistry} from "./interfaces/IStakeRegistry.sol";

/**
 * @title StakeRegistry
 * @notice Weighted stake of each operator in each quorum, and each quorum's total, as histories of `StakeUpdate`s
 * that answer "what was it at block N". A quorum's weight of an operator is Σ shares · multiplier / 1e18 over the
 * quorum's strategies, read from the DelegationManager; it is recorded on registration and whenever the registry
 * coordinator updates the operator (`updateOperators`, `updateOperatorsForQuorum`).
 *
 * History rule (as M2): a change in the block of the latest entry overwrites it; otherwise the latest entry is closed
 * (`nextUpdateBlockNumber` = this block) and a new one pushed. An entry answers for blocks in
 * [updateBlockNumber, nextUpdateBlockNumber), open-ended while nextUpdateBlockNumber is 0.
 * ABI: Layr-Labs/eigenlayer-middleware v0.2.1-mainnet-rewards src/interfaces/IStakeRegistry.sol, src/StakeRegistry.sol,
 * src/StakeRegistryStorage.sol (public getters)
 */
contract StakeRegistry is IStakeRegistry {
    uint256 public constant WEIGHTING_DIVISOR = 1e18;
    uint8 public constant MAX_WEIGHING_FUNCTION_LENGTH = 32;

    address public immutable registryCoordinator;
    IDelegationManager public immutable delegation;

    mapping(uint8 quorumNumber => uint96) public minimumStakeForQuorum;
    mapping(uint8 quorumNumber => StrategyParams[]) public strategyParams;
    mapping(uint8 quorumNumber => address[]) public strategiesPerQuorum;
    mapping(uint8 quorumNumber => StakeUpdate[]) internal _totalStakeHistory;
    mapping(bytes32 operatorId => mapping(uint8 quorumNumber => StakeUpdate[])) internal _operatorStakeHistory;

    error CallerNotRegistryCoordinator(address caller);
    error CallerNotCoordinatorOwner(address caller);
    error QuorumDoesNotExist(uint8 quorumNumber);
    error QuorumAlreadyExists(uint8 quorumNumber);
    error BelowMinimumStake(uint8 quorumNumber, uint96 stake, uint96 minimumStake);
    error NoStrategiesGiven();
    error TooManyStrategies(uint256 count);
    error DuplicateStrategy(address strategy);
    error ZeroMultiplier(address strategy);
    error InputLengthMismatch();
    error StakeOverflow();
    error NoStakeHistoryAtBlock(uint8 quorumNumber, uint32 blockNumber);
    error StakeUpdateAfterBlock(uint32 updateBlockNumber, uint32 blockNumber);
    error StakeUpdateSuperseded(uint32 nextUpdateBlockNumber, uint32 blockNumber);

    modifier onlyRegistryCoordinator() {
        if (msg.sender != registryCoordinator) revert CallerNotRegistryCoordinator(msg.sender);
        _;
    }

    modifier onlyCoordinatorOwner() {
        if (msg.sender != IRegistryCoordinator(registryCoordinator).owner()) revert CallerNotCoordinatorOwner(msg.sender);
        _;
    }

    modifier quorumExists(uint8 quorumNumber) {
        _requireQuorum(quorumNumber);
        _;
    }

    constructor(address _registryCoordinator, IDelegationManager _delegation) {
        registryCoordinator = _registryCoordinator;
        delegation = _delegation;
    }

    // ---------------------------------------------------------------- registry coordinator

    function registerOperator(address operator, bytes32 operatorId, bytes calldata quorumNumbers)
        external
        onlyRegistryCoordinator
        returns (uint96[] memory operatorStakes, uint96[] memory totalStakes)
    {
        operatorStakes = new uint96[](quorumNumbers.length);
        totalStakes = new uint96[](quorumNumbers.length);
        for (uint256 i = 0; i < quorumNumbers.length; i++) {
            uint8 quorumNumber = uint8(quorumNumbers[i]);
            _requireQuorum(quorumNumber);
            (uint96 stake, bool meetsMinimum) = _weightOf(quorumNumber, operator);
            if (!meetsMinimum) revert BelowMinimumStake(quorumNumber, stake, minimumStakeForQuorum[quorumNumber]);
            operatorStakes[i] = stake;
            totalStakes[i] = _recordTotalStake(quorumNumber, _recordOperatorStake(operatorId, quorumNumber, stake));
        }
    }

    function deregisterOperator(bytes32 operatorId, bytes calldata quorumNumbers) external onlyRegistryCoordinator {
        for (uint256 i = 0; i < quorumNumbers.length; i++) {
            uint8 quorumNumber = uint8(quorumNumbers[i]);
            _requireQuorum(quorumNumber);
            _recordTotalStake(quorumNumber, _recordOperatorStake(operatorId, quorumNumber, 0));
        }
    }

    /// @notice Re-reads the operator's weight in each quorum; a quorum where it fell below the minimum records 0 and
    /// is returned in the bitmap so that the coordinator deregisters the operator from it.
    function updateOperatorStake(address operator, bytes32 operatorId, bytes calldata quorumNumbers)
        external
        onlyRegistryCoordinator
        returns (uint192 quorumsBelowMinimum)
    {
        for (uint256 i = 0; i < quorumNumbers.length; i++) {
            uint8 quorumNumber = uint8(quorumNumbers[i]);
            _requireQuorum(quorumNumber);
            (uint96 stake, bool meetsMinimum) = _weightOf(quorumNumber, operator);
            if (!meetsMinimum) {
                stake = 0;
                quorumsBelowMinimum |= uint192(1) << quorumNumber;
            }
            _recordTotalStake(quorumNumber, _recordOperatorStake(operatorId, quorumNumber, stake));
        }
    }

    function initializeQuorum(uint8 quorumNumber, uint96 minimumStake, StrategyParams[] memory _strategyParams)
        external
        onlyRegistryCoordinator
    {
        if (_totalStakeHistory[quorumNumber].length != 0) revert QuorumAlreadyExists(quorumNumber);
        _addStrategyParams(quorumNumber, _strategyParams);
        _setMinimumStake(quorumNumber, minimumStake);
        _totalStakeHistory[quorumNumber].push(StakeUpdate(uint32(block.number), 0, 0));
        emit QuorumCreated(quorumNumber);
    }

    // ---------------------------------------------------------------- coordinator owner

    function setMinimumStakeForQuorum(uint8 quorumNumber, uint96 minimumStake)
        external
        onlyCoordinatorOwner
        quorumExists(quorumNumber)
    {
        _setMinimumStake(quorumNumber, minimumStake);
    }

    function addStrategies(uint8 quorumNumber, StrategyParams[] memory _strategyParams)
        external
        onlyCoordinatorOwner
        quorumExists(quorumNumber)
    {
        _addStrategyParams(quorumNumber, _strategyParams);
    }

    /// @dev Swap-and-pop: give higher indices first, as in M2.
    function removeStrategies(uint8 quorumNumber, uint256[] calldata indicesToRemove)
        external
        onlyCoordinatorOwner
        quorumExists(quorumNumber)
    {
        if (indicesToRemove.length == 0) revert NoStrategiesGiven();
        StrategyParams[] storage params = strategyParams[quorumNumber];
        address[] storage strategies = strategiesPerQuorum[quorumNumber];
        for (uint256 i = 0; i < indicesToRemove.length; i++) {
            uint256 index = indicesToRemove[i];
            emit StrategyRemovedFromQuorum(quorumNumber, params[index].strategy);
            emit StrategyMultiplierUpdated(quorumNumber, params[index].strategy, 0);
            params[index] = params[params.length - 1];
            params.pop();
            strategies[index] = strategies[strategies.length - 1];
            strategies.pop();
        }
    }

    function modifyStrategyParams(
        uint8 quorumNumber,
        uint256[] calldata strategyIndices,
        uint96[] calldata newMultipliers
    ) external onlyCoordinatorOwner quorumExists(quorumNumber) {
        if (strategyIndices.length == 0) revert NoStrategiesGiven();
        if (strategyIndices.length != newMultipliers.length) revert InputLengthMismatch();
        for (uint256 i = 0; i < strategyIndices.length; i++) {
            StrategyParams storage params = strategyParams[quorumNumber][strategyIndices[i]];
            params.multiplier = newMultipliers[i];
            emit StrategyMultiplierUpdated(quorumNumber, params.strategy, newMultipliers[i]);
        }
    }

    // ---------------------------------------------------------------- views: weights and strategies

    function weightOfOperatorForQuorum(uint8 quorumNumber, address operator)
        external
        view
        quorumExists(quorumNumber)
        returns (uint96 weight)
    {
        (weight,) = _weightOf(quorumNumber, operator);
    }

    function strategyParamsLength(uint8 quorumNumber) external view returns (uint256) {
        return strategyParams[quorumNumber].length;
    }

    function strategyParamsByIndex(uint8 quorumNumber, uint256 index) external view returns (StrategyParams memory) {
        return strategyParams[quorumNumber][index];
    }

    // ---------------------------------------------------------------- views: operator stake history

    function getStakeHistoryLength(bytes32 operatorId, uint8 quorumNumber) external view returns (uint256) {
        return _operatorStakeHistory[operatorId][quorumNumber].length;
    }

    function getStakeHistory(bytes32 operatorId, uint8 quorumNumber) external view returns (StakeUpdate[] memory) {
        return _operatorStakeHistory[operatorId][quorumNumber];
    }

    function getCurrentStake(bytes32 operatorId, uint8 quorumNumber) external view returns (uint96) {
        return getLatestStakeUpdate(operatorId, quorumNumber).stake;
    }

    /// @notice The latest entry, or all zeroes when the operator has no history in the quorum.
    function getLatestStakeUpdate(bytes32 operatorId, uint8 quorumNumber) public view returns (StakeUpdate memory update) {
        StakeUpdate[] storage history = _operatorStakeHistory[operatorId][quorumNumber];
        if (history.length != 0) update = history[history.length - 1];
    }

    function getStakeUpdateAtIndex(uint8 quorumNumber, bytes32 operatorId, uint256 index)
        external
        view
        returns (StakeUpdate memory)
    {
        return _operatorStakeHistory[operatorId][quorumNumber][index];
    }

    function getStakeAtBlockNumber(bytes32 operatorId, uint8 quorumNumber, uint32 blockNumber)
        external
        view
        returns (uint96)
    {
        StakeUpdate[] storage history = _operatorStakeHistory[operatorId][quorumNumber];
        return history[_indexAtBlock(history, quorumNumber, blockNumber)].stake;
    }

    function getStakeUpdateIndexAtBlockNumber(bytes32 operatorId, uint8 quorumNumber, uint32 blockNumber)
        external
        view
        returns (uint32)
    {
        return _indexAtBlock(_operatorStakeHistory[operatorId][quorumNumber], quorumNumber, blockNumber);
    }

    /// @notice The stake at `index` of the operator's history, reverting unless that entry covers `blockNumber`.
    function getStakeAtBlockNumberAndIndex(uint8 quorumNumber, uint32 blockNumber, bytes32 operatorId, uint256 index)
        external
        view
        returns (uint96)
    {
        StakeUpdate memory update = _operatorStakeHistory[operatorId][quorumNumber][index];
        _requireCovers(update, blockNumber);
        return update.stake;
    }

    // ---------------------------------------------------------------- views: total stake history

    function getTotalStakeHistoryLength(uint8 quorumNumber) external view returns (uint256) {
        return _totalStakeHistory[quorumNumber].length;
    }

    function getCurrentTotalStake(uint8 quorumNumber) external view returns (uint96) {
        StakeUpdate[] storage history = _totalStakeHistory[quorumNumber];
        return history[history.length - 1].stake;
    }

    function getTotalStakeUpdateAtIndex(uint8 quorumNumber, uint256 index) external view returns (StakeUpdate memory) {
        return _totalStakeHistory[quorumNumber][index];
    }

    function getTotalStakeAtBlockNumberFromIndex(uint8 quorumNumber, uint32 blockNumber, uint256 index)
        external
        view
        returns (uint96)
    {
        StakeUpdate memory update = _totalStakeHistory[quorumNumber][index];
        _requireCovers(update, blockNumber);
        return update.stake;
    }

    function getTotalStakeIndicesAtBlockNumber(uint32 blockNumber, bytes calldata quorumNumbers)
        external
        view
        returns (uint32[] memory indices)
    {
        indices = new uint32[](quorumNumbers.length);
        for (uint256 i = 0; i < quorumNumbers.length; i++) {
            uint8 quorumNumber = uint8(quorumNumbers[i]);
            _requireQuorum(quorumNumber);
            indices[i] = _indexAtBlock(_totalStakeHistory[quorumNumber], quorumNumber, blockNumber);
        }
    }

    // ---------------------------------------------------------------- internals

    function _requireQuorum(uint8 quorumNumber) internal view {
        if (_totalStakeHistory[quorumNumber].length == 0) revert QuorumDoesNotExist(quorumNumber);
    }

    function _weightOf(uint8 quorumNumber, address operator) internal view returns (uint96, bool) {
        StrategyParams[] storage params = strategyParams[quorumNumber];
        uint256[] memory shares = delegation.getOperatorShares(operator, strategiesPerQuorum[quorumNumber]);
        uint256 weight = 0;
        for (uint256 i = 0; i < params.length; i++) {
            weight += shares[i] * params[i].multiplier / WEIGHTING_DIVISOR;
        }
        if (weight > type(uint96).max) revert StakeOverflow();
        return (uint96(weight), uint96(weight) >= minimumStakeForQuorum[quorumNumber]);
    }

    /// @return delta new stake minus previous stake
    function _recordOperatorStake(bytes32 operatorId, uint8 quorumNumber, uint96 newStake)
        internal
        returns (int256 delta)
    {
        StakeUpdate[] storage history = _operatorStakeHistory[operatorId][quorumNumber];
        uint96 previous = 0;
        if (history.length == 0) {
            history.push(StakeUpdate(uint32(block.number), 0, newStake));
        } else {
            previous = history[history.length - 1].stake;
            if (previous == newStake) return 0;
            _appendOrOverwrite(history, newStake);
        }
        emit OperatorStakeUpdate(operatorId, quorumNumber, newStake);
        return int256(uint256(newStake)) - int256(uint256(previous));
    }

    /// @return total the quorum's total stake after applying `delta`
    function _recordTotalStake(uint8 quorumNumber, int256 delta) internal returns (uint96 total) {
        StakeUpdate[] storage history = _totalStakeHistory[quorumNumber];
        total = history[history.length - 1].stake;
        if (delta == 0) return total;
        total = uint96(uint256(int256(uint256(total)) + delta));
        _appendOrOverwrite(history, total);
    }

    function _appendOrOverwrite(StakeUpdate[] storage history, uint96 stake) internal {
        StakeUpdate storage latest = history[history.length - 1];
        if (latest.updateBlockNumber == uint32(block.number)) {
            latest.stake = stake;
        } else {
            latest.nextUpdateBlockNumber = uint32(block.number);
            history.push(StakeUpdate(uint32(block.number), 0, stake));
        }
    }

    /// @dev Index of the latest entry made at or before `blockNumber`.
    function _indexAtBlock(StakeUpdate[] storage history, uint8 quorumNumber, uint32 blockNumber)
        internal
        view
        returns (uint32)
    {
        for (uint256 i = history.length; i > 0; i--) {
            if (history[i - 1].updateBlockNumber <= blockNumber) return uint32(i - 1);
        }
        revert NoStakeHistoryAtBlock(quorumNumber, blockNumber);
    }

    function _requireCovers(StakeUpdate memory update, uint32 blockNumber) internal pure {
        if (blockNumber < update.updateBlockNumber) revert StakeUpdateAfterBlock(update.updateBlockNumber, blockNumber);
        if (update.nextUpdateBlockNumber != 0 && blockNumber >= update.nextUpdateBlockNumber) {
            revert StakeUpdateSuperseded(update.nextUpdateBlockNumber, blockNumber);
        }
    }

    function _setMinimumStake(uint8 quorumNumber, uint96 minimumStake) internal {
        minimumStakeForQuorum[quorumNumber] = minimumStake;
        emit MinimumStakeForQuorumUpdated(quorumNumber, minimumStake);
    }

    function _addStrategyParams(uint8 quorumNumber, StrategyParams[] memory toAdd) internal {
        if (toAdd.length == 0) revert NoStrategiesGiven();
        StrategyParams[] storage params = strategyParams[quorumNumber];
        if (params.length + toAdd.length > MAX_WEIGHING_FUNCTION_LENGTH) {
            revert TooManyStrategies(params.length + toAdd.length);
        }
        for (uint256 i = 0; i < toAdd.length; i++) {
            for (uint256 j = 0; j < params.length; j++) {
                if (params[j].strategy == toAdd[i].strategy) revert DuplicateStrategy(toAdd[i].strategy);
            }
            if (toAdd[i].multiplier == 0) revert ZeroMultiplier(toAdd[i].strategy);
            params.push(toAdd[i]);
            strategiesPerQuorum[quorumNumber].push(toAdd[i].strategy);
            emit StrategyAddedToQuorum(quorumNumber, toAdd[i].strategy);
            emit StrategyMultiplierUpdated(quorumNumber, toAdd[i].strategy, toAdd[i].multiplier);
        }
    }
}
