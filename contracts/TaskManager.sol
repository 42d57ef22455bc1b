// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Owned} from "./access/Owned.sol";
import {IBLSSignatureChecker} from "./interfaces/IBLSSignatureChecker.sol";
import {QuorumBitmap} from "./libraries/QuorumBitmap.sol";

/**
 * @title TaskManager
 * @notice Tasks with stake-weighted BLS certificates as responses. A task records its payload, the quorums that must
 * sign and the percentage of each quorum's stake that must sign; its creation block is the reference block for the
 * operator set and stakes. A response is accepted once: `checkSignatures` over keccak256(abi.encode(taskResponse))
 * at the task's creation block must pass and, for every quorum, signed · 100 ≥ total · threshold.
 *
 * Access: when `generator` (or `aggregator`) is the zero address anyone may create tasks (or respond); the owner
 * sets them. Responses must arrive within `TASK_RESPONSE_WINDOW_BLOCK` blocks of the task's creation.
 * Modelled on Layr-Labs/incredible-squaring-avs contracts/src/IncredibleSquaringTaskManager.sol (task hash
 * bookkeeping, events, threshold rule) with an opaque `bytes payload` in place of the number to square.
 */
contract TaskManager is Owned {
    uint256 public constant THRESHOLD_DENOMINATOR = 100;

    struct Task {
        bytes payload;
        uint32 taskCreatedBlock;
        bytes quorumNumbers;
        uint32 quorumThresholdPercentage;
    }

    struct TaskResponse {
        uint32 referenceTaskIndex;
        bytes32 result;
    }

    struct TaskResponseMetadata {
        uint32 taskRespondedBlock;
        bytes32 hashOfNonSigners;
    }

    IBLSSignatureChecker public immutable signatureChecker;
    uint32 public immutable TASK_RESPONSE_WINDOW_BLOCK;

    uint32 public latestTaskNum;
    address public aggregator;
    address public generator;
    /// @notice keccak256(abi.encode(task)) per task index.
    mapping(uint32 taskIndex => bytes32) public allTaskHashes;
    /// @notice keccak256(abi.encode(taskResponse, taskResponseMetadata)) per task index, zero until responded.
    mapping(uint32 taskIndex => bytes32) public allTaskResponses;

    event NewTaskCreated(uint32 indexed taskIndex, Task task);
    event TaskResponded(TaskResponse taskResponse, TaskResponseMetadata taskResponseMetadata);
    event AggregatorUpdated(address previousAggregator, address newAggregator);
    event GeneratorUpdated(address previousGenerator, address newGenerator);

    error CallerNotTaskGenerator(address caller);
    error CallerNotAggregator(address caller);
    error InvalidQuorumThresholdPercentage(uint32 quorumThresholdPercentage);
    error TaskDoesNotMatchRecordedHash(uint32 taskIndex);
    error TaskAlreadyResponded(uint32 taskIndex);
    error TaskResponseTooLate(uint32 taskIndex, uint32 taskCreatedBlock, uint256 blockNumber);
    error QuorumThresholdNotMet(uint8 quorumNumber, uint96 signedStake, uint96 totalStake);

    constructor(
        IBLSSignatureChecker _signatureChecker,
        address initialOwner,
        address _aggregator,
        address _generator,
        uint32 taskResponseWindowBlock
    ) Owned(initialOwner) {
        signatureChecker = _signatureChecker;
        TASK_RESPONSE_WINDOW_BLOCK = taskResponseWindowBlock;
        _setAggregator(_aggregator);
        _setGenerator(_generator);
    }

    function setAggregator(address newAggregator) external onlyOwner {
        _setAggregator(newAggregator);
    }

    function setGenerator(address newGenerator) external onlyOwner {
        _setGenerator(newGenerator);
    }

    function createNewTask(bytes calldata payload, uint32 quorumThresholdPercentage, bytes calldata quorumNumbers)
        external
    {
        if (generator != address(0) && msg.sender != generator) revert CallerNotTaskGenerator(msg.sender);
        if (quorumThresholdPercentage == 0 || quorumThresholdPercentage > THRESHOLD_DENOMINATOR) {
            revert InvalidQuorumThresholdPercentage(quorumThresholdPercentage);
        }
        QuorumBitmap.fromOrderedBytes(quorumNumbers, signatureChecker.registryCoordinator().quorumCount());

        Task memory task = Task(payload, uint32(block.number), quorumNumbers, quorumThresholdPercentage);
        uint32 taskIndex = latestTaskNum;
        allTaskHashes[taskIndex] = keccak256(abi.encode(task));
        latestTaskNum = taskIndex + 1;
        emit NewTaskCreated(taskIndex, task);
    }

    function respondToTask(
        Task calldata task,
        TaskResponse calldata taskResponse,
        IBLSSignatureChecker.NonSignerStakesAndSignature memory nonSignerStakesAndSignature
    ) external {
        if (aggregator != address(0) && msg.sender != aggregator) revert CallerNotAggregator(msg.sender);
        uint32 taskIndex = taskResponse.referenceTaskIndex;
        if (keccak256(abi.encode(task)) != allTaskHashes[taskIndex]) revert TaskDoesNotMatchRecordedHash(taskIndex);
        if (allTaskResponses[taskIndex] != bytes32(0)) revert TaskAlreadyResponded(taskIndex);
        if (block.number > uint256(task.taskCreatedBlock) + TASK_RESPONSE_WINDOW_BLOCK) {
            revert TaskResponseTooLate(taskIndex, task.taskCreatedBlock, block.number);
        }

        (IBLSSignatureChecker.QuorumStakeTotals memory totals, bytes32 hashOfNonSigners) = signatureChecker
            .checkSignatures(
            keccak256(abi.encode(taskResponse)), task.quorumNumbers, task.taskCreatedBlock, nonSignerStakesAndSignature
        );
        for (uint256 i = 0; i < task.quorumNumbers.length; i++) {
            uint96 signed = totals.signedStakeForQuorum[i];
            uint96 total = totals.totalStakeForQuorum[i];
            if (uint256(signed) * THRESHOLD_DENOMINATOR < uint256(total) * task.quorumThresholdPercentage) {
                revert QuorumThresholdNotMet(uint8(task.quorumNumbers[i]), signed, total);
            }
        }

        TaskResponseMetadata memory metadata = TaskResponseMetadata(uint32(block.number), hashOfNonSigners);
        allTaskResponses[taskIndex] = keccak256(abi.encode(taskResponse, metadata));
        emit TaskResponded(taskResponse, metadata);
    }

    function _setAggregator(address newAggregator) internal {
        emit AggregatorUpdated(aggregator, newAggregator);
        aggregator = newAggregator;
    }

    function _setGenerator(address newGenerator) internal {
        emit GeneratorUpdated(generator, newGenerator);
        generator = newGenerator;
    }
}
