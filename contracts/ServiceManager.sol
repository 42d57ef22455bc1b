// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Owned} from "./access/Owned.sol";
import {IAVSDirectory} from "./interfaces/IAVSDirectory.sol";
import {IBLSApkRegistry} from "./interfaces/IBLSApkRegistry.sol";
import {IBLSSignatureChecker} from "./interfaces/IBLSSignatureChecker.sol";
import {IDelegationManager} from "./interfaces/IDelegationManager.sol";
import {IRegistryCoordinator} from "./interfaces/IRegistryCoordinator.sol";
import {IServiceManager} from "./interfaces/IServiceManager.sol";
import {ISignatureUtils} from "./interfaces/ISignatureUtils.sol";
import {IStakeRegistry} from "./interfaces/IStakeRegistry.sol";
import {BN254} from "./libraries/BN254.sol";
import {QuorumBitmap} from "./libraries/QuorumBitmap.sol";

/**
 * @title ServiceManager
 * @notice The AVS's address towards EigenLayer (it forwards operator (de)registrations from the registry coordinator
 * to the AVSDirectory) and its BLS signature checker.
 *
 * `checkSignatures(msgHash, quorumNumbers, referenceBlockNumber, params)` verifies a stake-weighted BLS certificate
 * against the registries' history at `referenceBlockNumber` (which must be below the current block):
 * 1. non-signers are sorted strictly ascending by operator id (keccak256 of the G1 key, as uint256);
 * 2. each non-signer's quorum bitmap at the reference block is read at the given index;
 * 3. apk = Σ quorumApks − Σ nonSigner · |bitmap ∩ signed quorums| (a non-signer leaves every signed quorum it is in),
 *    each quorum apk checked against its 24-byte hash in the apk history at the given index;
 * 4. signed stake per quorum = total stake − the non-signers' stakes, each read at its given history index;
 * 5. γ = keccak256(msgHash, apk.X, apk.Y, apkG2.X[0], apkG2.X[1], apkG2.Y[0], apkG2.Y[1], σ.X, σ.Y) mod r and
 *    e(σ + γ·apk, −G2) · e(hashToG1(msgHash) + γ·G1, apkG2) = 1.
 * It returns the signed and total stake per quorum and keccak256(referenceBlockNumber ‖ non-signer ids).
 *
 * Deviations from M2: no `staleStakesForbidden` switch (stakes are never refused as stale), no rewards submission,
 * no restaked-strategy views; not upgradeable.
 * ABI: Layr-Labs/eigenlayer-middleware v0.2.1-mainnet-rewards src/BLSSignatureChecker.sol,
 * src/interfaces/IBLSSignatureChecker.sol, src/ServiceManagerBase.sol, src/interfaces/IServiceManagerUI.sol
 */
contract ServiceManager is Owned, IServiceManager, IBLSSignatureChecker {
    using BN254 for BN254.G1Point;

    /// @dev Gas the pairing precompile gets for two pairings (as M2).
    uint256 internal constant PAIRING_EQUALITY_CHECK_GAS = 120_000;

    IAVSDirectory internal immutable _avsDirectory;
    IRegistryCoordinator public immutable registryCoordinator;
    IStakeRegistry public immutable stakeRegistry;
    IBLSApkRegistry public immutable blsApkRegistry;
    IDelegationManager public immutable delegation;

    error CallerNotRegistryCoordinator(address caller);
    error InputQuorumLengthMismatch();
    error InputNonSignerLengthMismatch();
    error InvalidReferenceBlock(uint32 referenceBlockNumber, uint256 blockNumber);
    error NonSignerPubkeysNotSorted(uint256 index);
    error QuorumApkHashMismatch(uint8 quorumNumber);
    error PairingPrecompileCallFailed();
    error InvalidSignature();

    struct NonSigners {
        bytes32[] ids;
        uint256[] bitmaps;
        // Σ pubkey · (number of signed quorums the non-signer is in)
        BN254.G1Point apk;
    }

    modifier onlyRegistryCoordinator() {
        if (msg.sender != address(registryCoordinator)) revert CallerNotRegistryCoordinator(msg.sender);
        _;
    }

    /// @dev Takes the registries explicitly (M2 reads them from the coordinator) so that it can be deployed before
    /// the coordinator, which needs this contract's address.
    constructor(
        IAVSDirectory avsDirectory_,
        IRegistryCoordinator _registryCoordinator,
        IStakeRegistry _stakeRegistry,
        IBLSApkRegistry _blsApkRegistry,
        address initialOwner
    ) Owned(initialOwner) {
        _avsDirectory = avsDirectory_;
        registryCoordinator = _registryCoordinator;
        stakeRegistry = _stakeRegistry;
        blsApkRegistry = _blsApkRegistry;
        delegation = _stakeRegistry.delegation();
    }

    // ---------------------------------------------------------------- AVSDirectory forwarding

    function registerOperatorToAVS(address operator, ISignatureUtils.SignatureWithSaltAndExpiry memory operatorSignature)
        external
        onlyRegistryCoordinator
    {
        _avsDirectory.registerOperatorToAVS(operator, operatorSignature);
    }

    function deregisterOperatorFromAVS(address operator) external onlyRegistryCoordinator {
        _avsDirectory.deregisterOperatorFromAVS(operator);
    }

    function updateAVSMetadataURI(string memory metadataURI) external onlyOwner {
        _avsDirectory.updateAVSMetadataURI(metadataURI);
    }

    function avsDirectory() external view returns (address) {
        return address(_avsDirectory);
    }

    // ---------------------------------------------------------------- signature checking

    function checkSignatures(
        bytes32 msgHash,
        bytes calldata quorumNumbers,
        uint32 referenceBlockNumber,
        NonSignerStakesAndSignature memory params
    ) public view returns (QuorumStakeTotals memory stakeTotals, bytes32 signatoryRecordHash) {
        _checkInputShape(quorumNumbers.length, referenceBlockNumber, params);
        uint256 signingBitmap = QuorumBitmap.fromOrderedBytes(quorumNumbers, registryCoordinator.quorumCount());
        NonSigners memory nonSigners = _readNonSigners(referenceBlockNumber, signingBitmap, params);

        BN254.G1Point memory apk;
        (apk, stakeTotals) = _addQuorums(quorumNumbers, referenceBlockNumber, nonSigners, params);

        (bool pairingSuccessful, bool signatureIsValid) =
            trySignatureAndApkVerification(msgHash, apk, params.apkG2, params.sigma);
        if (!pairingSuccessful) revert PairingPrecompileCallFailed();
        if (!signatureIsValid) revert InvalidSignature();

        signatoryRecordHash = keccak256(abi.encodePacked(referenceBlockNumber, nonSigners.ids));
    }

    /// @notice The randomised pairing check of σ against apk (G1) and apkG2 for `msgHash` (see the contract comment).
    function trySignatureAndApkVerification(
        bytes32 msgHash,
        BN254.G1Point memory apk,
        BN254.G2Point memory apkG2,
        BN254.G1Point memory sigma
    ) public view returns (bool pairingSuccessful, bool signatureIsValid) {
        uint256 gamma = uint256(
            keccak256(
                abi.encodePacked(
                    msgHash, apk.X, apk.Y, apkG2.X[0], apkG2.X[1], apkG2.Y[0], apkG2.Y[1], sigma.X, sigma.Y
                )
            )
        ) % BN254.FR_MODULUS;
        (pairingSuccessful, signatureIsValid) = BN254.safePairing(
            sigma.plus(apk.scalarMul(gamma)),
            BN254.negGeneratorG2(),
            BN254.hashToG1(msgHash).plus(BN254.generatorG1().scalarMul(gamma)),
            apkG2,
            PAIRING_EQUALITY_CHECK_GAS
        );
    }

    function _checkInputShape(uint256 quorumCount, uint32 referenceBlockNumber, NonSignerStakesAndSignature memory params)
        internal
        view
    {
        if (
            params.quorumApks.length != quorumCount || params.quorumApkIndices.length != quorumCount
                || params.totalStakeIndices.length != quorumCount || params.nonSignerStakeIndices.length != quorumCount
        ) revert InputQuorumLengthMismatch();
        if (params.nonSignerPubkeys.length != params.nonSignerQuorumBitmapIndices.length) {
            revert InputNonSignerLengthMismatch();
        }
        if (referenceBlockNumber >= block.number) revert InvalidReferenceBlock(referenceBlockNumber, block.number);
    }

    /// @dev Reads and checks the non-signers: ids strictly ascending, bitmaps at the reference block, and
    /// Σ pubkey · (number of signed quorums the non-signer is in).
    function _readNonSigners(uint32 referenceBlockNumber, uint256 signingBitmap, NonSignerStakesAndSignature memory params)
        internal
        view
        returns (NonSigners memory nonSigners)
    {
        uint256 count = params.nonSignerPubkeys.length;
        nonSigners.ids = new bytes32[](count);
        nonSigners.bitmaps = new uint256[](count);
        for (uint256 j = 0; j < count; j++) {
            bytes32 id = BN254.hashG1Point(params.nonSignerPubkeys[j]);
            if (j != 0 && uint256(id) <= uint256(nonSigners.ids[j - 1])) revert NonSignerPubkeysNotSorted(j);
            nonSigners.ids[j] = id;
            nonSigners.bitmaps[j] = registryCoordinator.getQuorumBitmapAtBlockNumberByIndex(
                id, referenceBlockNumber, params.nonSignerQuorumBitmapIndices[j]
            );
            uint256 timesCounted = QuorumBitmap.countOnes(nonSigners.bitmaps[j] & signingBitmap);
            nonSigners.apk = nonSigners.apk.plus(params.nonSignerPubkeys[j].scalarMul(timesCounted));
        }
    }

    /// @dev apk = Σ checked quorum apks − the non-signers' share; signed stake = total − non-signer stake, per quorum.
    function _addQuorums(
        bytes calldata quorumNumbers,
        uint32 referenceBlockNumber,
        NonSigners memory nonSigners,
        NonSignerStakesAndSignature memory params
    ) internal view returns (BN254.G1Point memory apk, QuorumStakeTotals memory totals) {
        apk = nonSigners.apk.negate();
        totals.totalStakeForQuorum = new uint96[](quorumNumbers.length);
        totals.signedStakeForQuorum = new uint96[](quorumNumbers.length);
        for (uint256 i = 0; i < quorumNumbers.length; i++) {
            uint8 quorumNumber = uint8(quorumNumbers[i]);
            bytes24 storedHash = blsApkRegistry.getApkHashAtBlockNumberAndIndex(
                quorumNumber, referenceBlockNumber, params.quorumApkIndices[i]
            );
            if (bytes24(BN254.hashG1Point(params.quorumApks[i])) != storedHash) revert QuorumApkHashMismatch(quorumNumber);
            apk = apk.plus(params.quorumApks[i]);

            uint96 total = stakeRegistry.getTotalStakeAtBlockNumberFromIndex(
                quorumNumber, referenceBlockNumber, params.totalStakeIndices[i]
            );
            totals.totalStakeForQuorum[i] = total;
            totals.signedStakeForQuorum[i] =
                total - _nonSignerStake(quorumNumber, referenceBlockNumber, nonSigners, params.nonSignerStakeIndices[i]);
        }
    }

    /// @dev Sum of the stakes of the non-signers in `quorumNumber`; `stakeIndices` lists them in non-signer order.
    function _nonSignerStake(
        uint8 quorumNumber,
        uint32 referenceBlockNumber,
        NonSigners memory nonSigners,
        uint32[] memory stakeIndices
    ) internal view returns (uint96 stake) {
        uint256 next = 0;
        for (uint256 j = 0; j < nonSigners.ids.length; j++) {
            if (!QuorumBitmap.isSet(nonSigners.bitmaps[j], quorumNumber)) continue;
            stake += stakeRegistry.getStakeAtBlockNumberAndIndex(
                quorumNumber, referenceBlockNumber, nonSigners.ids[j], stakeIndices[next]
            );
            next++;
        }
    }
}
