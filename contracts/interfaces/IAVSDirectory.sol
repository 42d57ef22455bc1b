// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {ISignatureUtils} from "./ISignatureUtils.sol";

/// @notice EigenLayer's AVSDirectory (operator ↔ AVS registrations).
/// ABI: Layr-Labs/eigenlayer-contracts v0.3.2-mainnet-rewards src/contracts/interfaces/IAVSDirectory.sol
interface IAVSDirectory is ISignatureUtils {
    enum OperatorAVSRegistrationStatus {
        UNREGISTERED,
        REGISTERED
    }

    event AVSMetadataURIUpdated(address indexed avs, string metadataURI);
    event OperatorAVSRegistrationStatusUpdated(
        address indexed operator, address indexed avs, OperatorAVSRegistrationStatus status
    );

    /// @notice Called by an AVS (its ServiceManager) to register `operator`, who signed the registration digest.
    function registerOperatorToAVS(address operator, SignatureWithSaltAndExpiry memory operatorSignature) external;

    /// @notice Called by an AVS to deregister `operator`.
    function deregisterOperatorFromAVS(address operator) external;

    /// @notice Called by an AVS to announce its metadata URI.
    function updateAVSMetadataURI(string calldata metadataURI) external;

    function calculateOperatorAVSRegistrationDigestHash(address operator, address avs, bytes32 salt, uint256 expiry)
        external
        view
        returns (bytes32);
}
