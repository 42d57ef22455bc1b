// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {BN254} from "../libraries/BN254.sol";
import {IRegistryCoordinator} from "./IRegistryCoordinator.sol";

/// @notice Stake-weighted BLS certificate check of the M2 middleware.
/// ABI: Layr-Labs/eigenlayer-middleware v0.2.1-mainnet-rewards src/interfaces/IBLSSignatureChecker.sol
interface IBLSSignatureChecker {
    struct NonSignerStakesAndSignature {
        // index into each non-signer's quorum bitmap history at the reference block
        uint32[] nonSignerQuorumBitmapIndices;
        // G1 public keys of the non-signers, sorted strictly ascending by keccak256(X ‖ Y) as uint256
        BN254.G1Point[] nonSignerPubkeys;
        // aggregate G1 public key of each quorum at the reference block
        BN254.G1Point[] quorumApks;
        // aggregate G2 public key of the signers (each counted once per signed quorum it is in)
        BN254.G2Point apkG2;
        // aggregate signature
        BN254.G1Point sigma;
        uint32[] quorumApkIndices;
        uint32[] totalStakeIndices;
        // [quorum index][non-signer in that quorum, in nonSignerPubkeys order]
        uint32[][] nonSignerStakeIndices;
    }

    struct QuorumStakeTotals {
        uint96[] signedStakeForQuorum;
        uint96[] totalStakeForQuorum;
    }

    function registryCoordinator() external view returns (IRegistryCoordinator);

    function checkSignatures(
        bytes32 msgHash,
        bytes calldata quorumNumbers,
        uint32 referenceBlockNumber,
        NonSignerStakesAndSignature memory params
    ) external view returns (QuorumStakeTotals memory, bytes32);
}
