// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

/// @notice Signature bundle of EigenLayer M2.
/// ABI: Layr-Labs/eigenlayer-contracts v0.2.3-mainnet-m2 src/contracts/interfaces/ISignatureUtils.sol
interface ISignatureUtils {
    struct SignatureWithSaltAndExpiry {
        // 65-byte ECDSA signature r ‖ s ‖ v
        bytes signature;
        // single-use salt, per operator
        bytes32 salt;
        // unix timestamp after which the signature is refused
        uint256 expiry;
    }
}
