// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Owned} from "./access/Owned.sol";
import {IBLSApkRegistry} from "./interfaces/IBLSApkRegistry.sol";
import {IIndexRegistry} from "./interfaces/IIndexRegistry.sol";
import {IRegistryCoordinator} from "./interfaces/IRegistryCoordinator.sol";
import {IServiceManager} from "./interfaces/IServiceManager.sol";
import {ISignatureUtils} from "./interfaces/ISignatureUtils.sol";
import {IStakeRegistry} from "./interfaces/IStakeRegistry.sol";
import {BN254} from "./libraries/BN254.sol";
import {QuorumBitmap} from "./libraries/QuorumBitmap.sol";

/**
 * @title RegistryCoordinator
 * @notice Entry point of the AVS's operator set: operators register to quorums (BLS key + AVSDirectory signature),
 * deregister, and get their stakes refreshed; the owner creates quorums. Each operator's quorum membership is kept
 * as a bitmap history (`QuorumBitmapUpdate`, same history rule as the registries) so that signature checks can ask
 * which quorums an operator was in at a reference block.
 *
 * Registration: the BLS key is registered once (proof over pubkeyRegistrationMessageHash(operator) = hashToG1 of the
 * EIP-712 digest of `BN254PubkeyRegistration(address operator)` in the domain "AVSRegistryCoordinator" / "v0.0.1"),
 * the first registration goes through the ServiceManager to the AVSDirectory (the operator's ECDSA signature is over
 * `AVSDirectory.calculateOperatorAVSRegistrationDigestHash(operator, serviceManager, salt, expiry)`), then the BLS apk,
 * stake and index registries add the operator to each quorum. A quorum that would exceed `maxOperatorCount` rejects
 * the registration (no churn in this devnet).
 *
 * Deviations from M2: no proxy/initializer, no pausing, no churn approver (`registerOperatorWithChurn`), no ejector.
 * ABI: Layr-Labs/eigenlayer-middleware v0.2.1-mainnet-rewards src/RegistryCoordinator.sol,
 * src/RegistryCoordinatorStorage.sol, src/interfaces/IRegistryCoordinator.sol; `calculatePubkeyRegistrationMessageHash`
 * from later middleware releases (returns the EIP-712 digest before hashToG1).
 */
contract RegistryCoordinator is Owned, IRegistryCoordinator {
    using BN254 for BN254.G1Point;

    bytes32 public constant PUBKEY_REGISTRATION_TYPEHASH = keccak256("BN254PubkeyRegistration(address operator)");
    bytes32 internal constant EIP712_DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    uint8 internal constant MAX_QUORUM_COUNT = 192;

    IServiceManager public immutable serviceManager;
    IStakeRegistry public immutable stakeRegistry;
    IBLSApkRegistry public immutable blsApkRegistry;
    IIndexRegistry public immutable indexRegistry;

    uint8 public quorumCount;
    /// @notice Block of the last `updateOperatorsForQuorum` covering the whole quorum.
    mapping(uint8 quorumNumber => uint256) public quorumUpdateBlockNumber;
    address[] public registries;
    mapping(uint8 quorumNumber => OperatorSetParam) internal _quorumParams;
    mapping(bytes32 operatorId => QuorumBitmapUpdate[]) internal _operatorBitmapHistory;
    mapping(address operator => OperatorInfo) internal _operatorInfo;

    error MaxQuorumsReached();
    error OperatorAlreadyInQuorums(uint192 currentBitmap, uint192 quorumsToAdd);
    error OperatorNotInQuorums(uint192 currentBitmap, uint192 quorumsToRemove);
    error OperatorNotRegistered(address operator);
    error MaxOperatorCountReached(uint8 quorumNumber, uint32 maxOperatorCount);
    error InputLengthMismatch();
    error OperatorCountMismatch(uint8 quorumNumber, uint256 given, uint32 registered);
    error OperatorNotInQuorum(uint8 quorumNumber, address operator);
    error OperatorsNotSortedAscending(uint8 quorumNumber, address operator);
    error NoBitmapUpdateAtBlock(bytes32 operatorId, uint32 blockNumber);
    error BitmapUpdateAfterBlock(uint32 updateBlockNumber, uint32 blockNumber);
    error BitmapUpdateSuperseded(uint32 nextUpdateBlockNumber, uint32 blockNumber);

    constructor(
        IServiceManager _serviceManager,
        IStakeRegistry _stakeRegistry,
        IBLSApkRegistry _blsApkRegistry,
        IIndexRegistry _indexRegistry,
        address initialOwner
    ) Owned(initialOwner) {
        serviceManager = _serviceManager;
        stakeRegistry = _stakeRegistry;
        blsApkRegistry = _blsApkRegistry;
        indexRegistry = _indexRegistry;
        registries.push(address(_stakeRegistry));
        registries.push(address(_blsApkRegistry));
        registries.push(address(_indexRegistry));
    }

    // ---------------------------------------------------------------- operators

    function registerOperator(
        bytes calldata quorumNumbers,
        string calldata socket,
        IBLSApkRegistry.PubkeyRegistrationParams calldata params,
        ISignatureUtils.SignatureWithSaltAndExpiry memory operatorSignature
    ) external {
        bytes32 operatorId = blsApkRegistry.getOperatorId(msg.sender);
        if (operatorId == bytes32(0)) {
            operatorId = blsApkRegistry.registerBLSPublicKey(msg.sender, params, pubkeyRegistrationMessageHash(msg.sender));
        }

        uint192 quorumsToAdd = uint192(QuorumBitmap.fromOrderedBytes(quorumNumbers, quorumCount));
        uint192 currentBitmap = _currentBitmap(operatorId);
        if (quorumsToAdd & currentBitmap != 0) revert OperatorAlreadyInQuorums(currentBitmap, quorumsToAdd);
        _recordBitmap(operatorId, currentBitmap | quorumsToAdd);
        emit OperatorSocketUpdate(operatorId, socket);

        if (_operatorInfo[msg.sender].status != OperatorStatus.REGISTERED) {
            _operatorInfo[msg.sender] = OperatorInfo(operatorId, OperatorStatus.REGISTERED);
            serviceManager.registerOperatorToAVS(msg.sender, operatorSignature);
            emit OperatorRegistered(msg.sender, operatorId);
        }

        blsApkRegistry.registerOperator(msg.sender, quorumNumbers);
        stakeRegistry.registerOperator(msg.sender, operatorId, quorumNumbers);
        uint32[] memory numOperators = indexRegistry.registerOperator(operatorId, quorumNumbers);
        for (uint256 i = 0; i < quorumNumbers.length; i++) {
            uint8 quorumNumber = uint8(quorumNumbers[i]);
            uint32 maxOperatorCount = _quorumParams[quorumNumber].maxOperatorCount;
            if (numOperators[i] > maxOperatorCount) revert MaxOperatorCountReached(quorumNumber, maxOperatorCount);
        }
    }

    function deregisterOperator(bytes calldata quorumNumbers) external {
        _deregisterOperator(msg.sender, quorumNumbers);
    }

    /// @notice Re-reads the stake of each operator in all its quorums; an operator below a quorum's minimum stake is
    /// deregistered from that quorum. Unregistered addresses are skipped.
    function updateOperators(address[] calldata operators) external {
        for (uint256 i = 0; i < operators.length; i++) {
            OperatorInfo memory info = _operatorInfo[operators[i]];
            _updateOperator(operators[i], info, QuorumBitmap.toBytes(_currentBitmap(info.operatorId)));
        }
    }

    /**
     * @notice Re-reads the stakes of every operator of each quorum. Each list must be the quorum's complete current
     * operator set, sorted ascending by address; the quorum's `quorumUpdateBlockNumber` becomes this block.
     */
    function updateOperatorsForQuorum(address[][] calldata operatorsPerQuorum, bytes calldata quorumNumbers) external {
        QuorumBitmap.fromOrderedBytes(quorumNumbers, quorumCount);
        if (operatorsPerQuorum.length != quorumNumbers.length) revert InputLengthMismatch();

        for (uint256 i = 0; i < quorumNumbers.length; i++) {
            uint8 quorumNumber = uint8(quorumNumbers[i]);
            address[] calldata operators = operatorsPerQuorum[i];
            uint32 registered = indexRegistry.totalOperatorsForQuorum(quorumNumber);
            if (operators.length != registered) revert OperatorCountMismatch(quorumNumber, operators.length, registered);

            address previous = address(0);
            for (uint256 j = 0; j < operators.length; j++) {
                OperatorInfo memory info = _operatorInfo[operators[j]];
                if (!QuorumBitmap.isSet(_currentBitmap(info.operatorId), quorumNumber)) {
                    revert OperatorNotInQuorum(quorumNumber, operators[j]);
                }
                if (operators[j] <= previous) revert OperatorsNotSortedAscending(quorumNumber, operators[j]);
                _updateOperator(operators[j], info, quorumNumbers[i:i + 1]);
                previous = operators[j];
            }

            quorumUpdateBlockNumber[quorumNumber] = block.number;
            emit QuorumBlockNumberUpdated(quorumNumber, block.number);
        }
    }

    function updateSocket(string memory socket) external {
        OperatorInfo memory info = _operatorInfo[msg.sender];
        if (info.status != OperatorStatus.REGISTERED) revert OperatorNotRegistered(msg.sender);
        emit OperatorSocketUpdate(info.operatorId, socket);
    }

    // ---------------------------------------------------------------- owner

    function createQuorum(
        OperatorSetParam memory operatorSetParams,
        uint96 minimumStake,
        IStakeRegistry.StrategyParams[] memory strategyParams
    ) external onlyOwner {
        uint8 quorumNumber = quorumCount;
        if (quorumNumber >= MAX_QUORUM_COUNT) revert MaxQuorumsReached();
        quorumCount = quorumNumber + 1;
        _setOperatorSetParams(quorumNumber, operatorSetParams);
        stakeRegistry.initializeQuorum(quorumNumber, minimumStake, strategyParams);
        indexRegistry.initializeQuorum(quorumNumber);
        blsApkRegistry.initializeQuorum(quorumNumber);
    }

    function setOperatorSetParams(uint8 quorumNumber, OperatorSetParam memory operatorSetParams) external onlyOwner {
        if (quorumNumber >= quorumCount) revert QuorumBitmap.QuorumDoesNotExist(quorumNumber);
        _setOperatorSetParams(quorumNumber, operatorSetParams);
    }

    // ---------------------------------------------------------------- views

    function getOperatorSetParams(uint8 quorumNumber) external view returns (OperatorSetParam memory) {
        return _quorumParams[quorumNumber];
    }

    function getOperator(address operator) external view returns (OperatorInfo memory) {
        return _operatorInfo[operator];
    }

    function getOperatorId(address operator) external view returns (bytes32) {
        return _operatorInfo[operator].operatorId;
    }

    function getOperatorFromId(bytes32 operatorId) external view returns (address) {
        return blsApkRegistry.getOperatorFromPubkeyHash(operatorId);
    }

    function getOperatorStatus(address operator) external view returns (OperatorStatus) {
        return _operatorInfo[operator].status;
    }

    /// @notice For each operator, the index of its bitmap history entry made at or before `blockNumber`.
    function getQuorumBitmapIndicesAtBlockNumber(uint32 blockNumber, bytes32[] memory operatorIds)
        external
        view
        returns (uint32[] memory indices)
    {
        indices = new uint32[](operatorIds.length);
        for (uint256 i = 0; i < operatorIds.length; i++) {
            indices[i] = _bitmapIndexAt(operatorIds[i], blockNumber);
        }
    }

    /// @notice The bitmap at `index` of the operator's history, reverting unless that entry covers `blockNumber`.
    function getQuorumBitmapAtBlockNumberByIndex(bytes32 operatorId, uint32 blockNumber, uint256 index)
        external
        view
        returns (uint192)
    {
        QuorumBitmapUpdate memory update = _operatorBitmapHistory[operatorId][index];
        if (blockNumber < update.updateBlockNumber) revert BitmapUpdateAfterBlock(update.updateBlockNumber, blockNumber);
        if (update.nextUpdateBlockNumber != 0 && blockNumber >= update.nextUpdateBlockNumber) {
            revert BitmapUpdateSuperseded(update.nextUpdateBlockNumber, blockNumber);
        }
        return update.quorumBitmap;
    }

    function getQuorumBitmapUpdateByIndex(bytes32 operatorId, uint256 index)
        external
        view
        returns (QuorumBitmapUpdate memory)
    {
        return _operatorBitmapHistory[operatorId][index];
    }

    function getCurrentQuorumBitmap(bytes32 operatorId) external view returns (uint192) {
        return _currentBitmap(operatorId);
    }

    function getQuorumBitmapHistoryLength(bytes32 operatorId) external view returns (uint256) {
        return _operatorBitmapHistory[operatorId].length;
    }

    function numRegistries() external view returns (uint256) {
        return registries.length;
    }

    /// @notice The EIP-712 digest an operator's BLS key signs (after hashToG1) to prove possession.
    function calculatePubkeyRegistrationMessageHash(address operator) public view returns (bytes32) {
        bytes32 domainSeparator = keccak256(
            abi.encode(
                EIP712_DOMAIN_TYPEHASH,
                keccak256(bytes("AVSRegistryCoordinator")),
                keccak256(bytes("v0.0.1")),
                block.chainid,
                address(this)
            )
        );
        bytes32 structHash = keccak256(abi.encode(PUBKEY_REGISTRATION_TYPEHASH, operator));
        return keccak256(abi.encodePacked("\x19\x01", domainSeparator, structHash));
    }

    /// @notice hashToG1(calculatePubkeyRegistrationMessageHash(operator)): the point H the operator signs as sk·H.
    function pubkeyRegistrationMessageHash(address operator) public view returns (BN254.G1Point memory) {
        return BN254.hashToG1(calculatePubkeyRegistrationMessageHash(operator));
    }

    // ---------------------------------------------------------------- internals

    function _deregisterOperator(address operator, bytes memory quorumNumbers) internal {
        OperatorInfo storage info = _operatorInfo[operator];
        if (info.status != OperatorStatus.REGISTERED) revert OperatorNotRegistered(operator);
        bytes32 operatorId = info.operatorId;

        uint192 quorumsToRemove = uint192(QuorumBitmap.fromOrderedBytes(quorumNumbers, quorumCount));
        uint192 currentBitmap = _currentBitmap(operatorId);
        if (quorumsToRemove & currentBitmap != quorumsToRemove) revert OperatorNotInQuorums(currentBitmap, quorumsToRemove);
        uint192 newBitmap = currentBitmap & ~quorumsToRemove;
        _recordBitmap(operatorId, newBitmap);

        if (newBitmap == 0) {
            info.status = OperatorStatus.DEREGISTERED;
            serviceManager.deregisterOperatorFromAVS(operator);
            emit OperatorDeregistered(operator, operatorId);
        }

        blsApkRegistry.deregisterOperator(operator, quorumNumbers);
        stakeRegistry.deregisterOperator(operatorId, quorumNumbers);
        indexRegistry.deregisterOperator(operatorId, quorumNumbers);
    }

    function _updateOperator(address operator, OperatorInfo memory info, bytes memory quorumNumbers) internal {
        if (info.status != OperatorStatus.REGISTERED) return;
        uint192 belowMinimum = stakeRegistry.updateOperatorStake(operator, info.operatorId, quorumNumbers);
        if (belowMinimum != 0) _deregisterOperator(operator, QuorumBitmap.toBytes(belowMinimum));
    }

    function _recordBitmap(bytes32 operatorId, uint192 newBitmap) internal {
        QuorumBitmapUpdate[] storage history = _operatorBitmapHistory[operatorId];
        if (history.length == 0) {
            history.push(QuorumBitmapUpdate(uint32(block.number), 0, newBitmap));
            return;
        }
        QuorumBitmapUpdate storage latest = history[history.length - 1];
        if (latest.updateBlockNumber == uint32(block.number)) {
            latest.quorumBitmap = newBitmap;
        } else {
            latest.nextUpdateBlockNumber = uint32(block.number);
            history.push(QuorumBitmapUpdate(uint32(block.number), 0, newBitmap));
        }
    }

    function _currentBitmap(bytes32 operatorId) internal view returns (uint192) {
        QuorumBitmapUpdate[] storage history = _operatorBitmapHistory[operatorId];
        return history.length == 0 ? 0 : history[history.length - 1].quorumBitmap;
    }

    function _bitmapIndexAt(bytes32 operatorId, uint32 blockNumber) internal view returns (uint32) {
        QuorumBitmapUpdate[] storage history = _operatorBitmapHistory[operatorId];
        for (uint256 i = history.length; i > 0; i--) {
            if (history[i - 1].updateBlockNumber <= blockNumber) return uint32(i - 1);
        }
        revert NoBitmapUpdateAtBlock(operatorId, blockNumber);
    }

    function _setOperatorSetParams(uint8 quorumNumber, OperatorSetParam memory operatorSetParams) internal {
        _quorumParams[quorumNumber] = operatorSetParams;
        emit OperatorSetParamsUpdated(quorumNumber, operatorSetParams);
    }
}
