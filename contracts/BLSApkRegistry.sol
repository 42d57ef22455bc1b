// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {IBLSApkRegistry} from "./interfaces/IBLSApkRegistry.sol";
import {BN254} from "./libraries/BN254.sol";

/**
 * @title BLSApkRegistry
 * @notice Operators' BLS public keys and each quorum's aggregate public key (apk) with history.
 *
 * Key registration (called by the registry coordinator with H = pubkeyRegistrationMessageHash(operator)) proves
 * possession of sk behind both pkG1 = sk·G1 and pkG2 = sk·G2 from σ = sk·H with one randomised pairing check:
 * γ = keccak256(σ.X, σ.Y, pkG1.X, pkG1.Y, pkG2.X[0], pkG2.X[1], pkG2.Y[0], pkG2.Y[1], H.X, H.Y) mod r and
 * e(σ + γ·pkG1, −G2) · e(H + γ·G1, pkG2) = 1. The operator id is keccak256(pkG1.X ‖ pkG1.Y).
 *
 * Apk history entries hold the first 24 bytes of keccak256(apk.X ‖ apk.Y) and follow the M2 history rule: a change in
 * the block of the latest entry overwrites it, otherwise the latest entry is closed and a new one pushed.
 * ABI: Layr-Labs/eigenlayer-middleware v0.2.1-mainnet-rewards src/interfaces/IBLSApkRegistry.sol,
 * src/BLSApkRegistry.sol, src/BLSApkRegistryStorage.sol (public getters)
 */
contract BLSApkRegistry is IBLSApkRegistry {
    using BN254 for BN254.G1Point;

    /// @dev keccak256 of the point at infinity (0, 0): not a usable key.
    bytes32 internal constant ZERO_PK_HASH = keccak256(abi.encodePacked(uint256(0), uint256(0)));

    address public immutable registryCoordinator;

    mapping(address operator => bytes32) public operatorToPubkeyHash;
    mapping(bytes32 pubkeyHash => address) public pubkeyHashToOperator;
    mapping(address operator => BN254.G1Point) public operatorToPubkey;
    mapping(uint8 quorumNumber => ApkUpdate[]) public apkHistory;
    mapping(uint8 quorumNumber => BN254.G1Point) public currentApk;

    error CallerNotRegistryCoordinator(address caller);
    error ZeroPubkey();
    error OperatorAlreadyHasPubkey(address operator);
    error PubkeyAlreadyRegistered(bytes32 pubkeyHash);
    error InvalidPubkeyRegistrationSignature();
    error OperatorHasNoPubkey(address operator);
    error QuorumDoesNotExist(uint8 quorumNumber);
    error QuorumAlreadyExists(uint8 quorumNumber);
    error BlockNumberBeforeFirstApkUpdate(uint8 quorumNumber, uint256 blockNumber);
    error ApkUpdateAfterBlock(uint32 updateBlockNumber, uint32 blockNumber);
    error ApkUpdateSuperseded(uint32 nextUpdateBlockNumber, uint32 blockNumber);

    modifier onlyRegistryCoordinator() {
        if (msg.sender != registryCoordinator) revert CallerNotRegistryCoordinator(msg.sender);
        _;
    }

    constructor(address _registryCoordinator) {
        registryCoordinator = _registryCoordinator;
    }

    // ---------------------------------------------------------------- registry coordinator

    function registerBLSPublicKey(
        address operator,
        PubkeyRegistrationParams calldata params,
        BN254.G1Point calldata pubkeyRegistrationMessageHash
    ) external onlyRegistryCoordinator returns (bytes32 operatorId) {
        operatorId = BN254.hashG1Point(params.pubkeyG1);
        if (operatorId == ZERO_PK_HASH) revert ZeroPubkey();
        if (operatorToPubkeyHash[operator] != bytes32(0)) revert OperatorAlreadyHasPubkey(operator);
        if (pubkeyHashToOperator[operatorId] != address(0)) revert PubkeyAlreadyRegistered(operatorId);

        BN254.G1Point memory sigma = params.pubkeyRegistrationSignature;
        BN254.G1Point memory pubkeyG1 = params.pubkeyG1;
        BN254.G1Point memory messageHash = pubkeyRegistrationMessageHash;
        uint256 gamma = uint256(
            keccak256(
                abi.encodePacked(
                    sigma.X,
                    sigma.Y,
                    pubkeyG1.X,
                    pubkeyG1.Y,
                    params.pubkeyG2.X,
                    params.pubkeyG2.Y,
                    messageHash.X,
                    messageHash.Y
                )
            )
        ) % BN254.FR_MODULUS;
        bool valid = BN254.pairing(
            sigma.plus(pubkeyG1.scalarMul(gamma)),
            BN254.negGeneratorG2(),
            messageHash.plus(BN254.generatorG1().scalarMul(gamma)),
            params.pubkeyG2
        );
        if (!valid) revert InvalidPubkeyRegistrationSignature();

        operatorToPubkey[operator] = pubkeyG1;
        operatorToPubkeyHash[operator] = operatorId;
        pubkeyHashToOperator[operatorId] = operator;
        emit NewPubkeyRegistration(operator, pubkeyG1, params.pubkeyG2);
    }

    function registerOperator(address operator, bytes calldata quorumNumbers) external onlyRegistryCoordinator {
        (BN254.G1Point memory pubkey, bytes32 operatorId) = getRegisteredPubkey(operator);
        _addToQuorumApks(quorumNumbers, pubkey);
        emit OperatorAddedToQuorums(operator, operatorId, quorumNumbers);
    }

    function deregisterOperator(address operator, bytes calldata quorumNumbers) external onlyRegistryCoordinator {
        (BN254.G1Point memory pubkey, bytes32 operatorId) = getRegisteredPubkey(operator);
        _addToQuorumApks(quorumNumbers, pubkey.negate());
        emit OperatorRemovedFromQuorums(operator, operatorId, quorumNumbers);
    }

    function initializeQuorum(uint8 quorumNumber) external onlyRegistryCoordinator {
        if (apkHistory[quorumNumber].length != 0) revert QuorumAlreadyExists(quorumNumber);
        apkHistory[quorumNumber].push(ApkUpdate(bytes24(0), uint32(block.number), 0));
    }

    // ---------------------------------------------------------------- views

    /// @notice The operator's G1 public key and its hash (the operator id); reverts when it has none.
    function getRegisteredPubkey(address operator) public view returns (BN254.G1Point memory, bytes32) {
        bytes32 pubkeyHash = operatorToPubkeyHash[operator];
        if (pubkeyHash == bytes32(0)) revert OperatorHasNoPubkey(operator);
        return (operatorToPubkey[operator], pubkeyHash);
    }

    /// @notice For each quorum, the index of the apk history entry made at or before `blockNumber`.
    function getApkIndicesAtBlockNumber(bytes calldata quorumNumbers, uint256 blockNumber)
        external
        view
        returns (uint32[] memory indices)
    {
        indices = new uint32[](quorumNumbers.length);
        for (uint256 i = 0; i < quorumNumbers.length; i++) {
            uint8 quorumNumber = uint8(quorumNumbers[i]);
            ApkUpdate[] storage history = apkHistory[quorumNumber];
            if (history.length == 0 || blockNumber < history[0].updateBlockNumber) {
                revert BlockNumberBeforeFirstApkUpdate(quorumNumber, blockNumber);
            }
            for (uint256 j = history.length; j > 0; j--) {
                if (history[j - 1].updateBlockNumber <= blockNumber) {
                    indices[i] = uint32(j - 1);
                    break;
                }
            }
        }
    }

    function getApk(uint8 quorumNumber) external view returns (BN254.G1Point memory) {
        return currentApk[quorumNumber];
    }

    function getApkUpdateAtIndex(uint8 quorumNumber, uint256 index) external view returns (ApkUpdate memory) {
        return apkHistory[quorumNumber][index];
    }

    /// @notice The apk hash at `index` of the quorum's history, reverting unless that entry covers `blockNumber`.
    function getApkHashAtBlockNumberAndIndex(uint8 quorumNumber, uint32 blockNumber, uint256 index)
        external
        view
        returns (bytes24)
    {
        ApkUpdate memory update = apkHistory[quorumNumber][index];
        if (blockNumber < update.updateBlockNumber) revert ApkUpdateAfterBlock(update.updateBlockNumber, blockNumber);
        if (update.nextUpdateBlockNumber != 0 && blockNumber >= update.nextUpdateBlockNumber) {
            revert ApkUpdateSuperseded(update.nextUpdateBlockNumber, blockNumber);
        }
        return update.apkHash;
    }

    function getApkHistoryLength(uint8 quorumNumber) external view returns (uint32) {
        return uint32(apkHistory[quorumNumber].length);
    }

    function getOperatorFromPubkeyHash(bytes32 pubkeyHash) external view returns (address) {
        return pubkeyHashToOperator[pubkeyHash];
    }

    /// @notice The operator's id (pubkey hash), zero if it never registered a key.
    function getOperatorId(address operator) external view returns (bytes32) {
        return operatorToPubkeyHash[operator];
    }

    // ---------------------------------------------------------------- internals

    function _addToQuorumApks(bytes calldata quorumNumbers, BN254.G1Point memory point) internal {
        for (uint256 i = 0; i < quorumNumbers.length; i++) {
            uint8 quorumNumber = uint8(quorumNumbers[i]);
            ApkUpdate[] storage history = apkHistory[quorumNumber];
            if (history.length == 0) revert QuorumDoesNotExist(quorumNumber);

            BN254.G1Point memory apk = currentApk[quorumNumber].plus(point);
            currentApk[quorumNumber] = apk;
            bytes24 apkHash = bytes24(BN254.hashG1Point(apk));

            ApkUpdate storage latest = history[history.length - 1];
            if (latest.updateBlockNumber == uint32(block.number)) {
                latest.apkHash = apkHash;
            } else {
                latest.nextUpdateBlockNumber = uint32(block.number);
                history.push(ApkUpdate(apkHash, uint32(block.number), 0));
            }
        }
    }
}
