// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {ISignatureUtils} from "./ISignatureUtils.sol";

/// @notice The ServiceManager calls of the M2 middleware: the registry coordinator forwards (de)registrations through
/// it to the AVSDirectory, so that the AVSDirectory sees the ServiceManager as the AVS.
/// ABI: Layr-Labs/eigenlayer-middleware v0.2.1-mainnet-rewards src/interfaces/IServiceManagerUI.sol
interface IServiceManager {
    function registerOperatorToAVS(address operator, ISignatureUtils.SignatureWithSaltAndExpiry memory operatorSignature)
        external;

    function deregisterOperatorFromAVS(address operator) external;

    function avsDirectory() external view returns (address);
}
