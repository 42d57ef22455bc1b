// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {IAVSDirectory} from "./interfaces/IAVSDirectory.sol";
import {IDelegationManager} from "./interfaces/IDelegationManager.sol";

/**
 * @title AVSDirectory (devnet stand-in)
 * @notice Records which operators are registered to which AVS. An AVS (its ServiceManager, `msg.sender`) registers
 * an operator who signed, with plain ECDSA over the raw EIP-712 digest (no EIP-191 prefix), the struct
 * `OperatorAVSRegistration(address operator,address avs,bytes32 salt,uint256 expiry)` in the domain
 * `EIP712Domain(string name,uint256 chainId,address verifyingContract)` named "EigenLayer" (no version field).
 * Deviation: only EOA operators (no EIP-1271 contract signatures), no pausing.
 * ABI and digest: Layr-Labs/eigenlayer-contracts v0.3.2-mainnet-rewards src/contracts/core/AVSDirectory.sol,
 * src/contracts/core/AVSDirectoryStorage.sol
 */
contract AVSDirectory is IAVSDirectory {
    bytes32 public constant DOMAIN_TYPEHASH = keccak256("EIP712Domain(string name,uint256 chainId,address verifyingContract)");
    bytes32 public constant OPERATOR_AVS_REGISTRATION_TYPEHASH =
        keccak256("OperatorAVSRegistration(address operator,address avs,bytes32 salt,uint256 expiry)");
    /// @dev Half the secp256k1 order: signatures with a larger s are malleable copies and refused.
    uint256 internal constant SECP256K1_HALF_ORDER = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0;

    IDelegationManager public immutable delegation;

    mapping(address avs => mapping(address operator => OperatorAVSRegistrationStatus)) public avsOperatorStatus;
    mapping(address operator => mapping(bytes32 salt => bool)) public operatorSaltIsSpent;

    error SignatureExpired(uint256 expiry, uint256 timestamp);
    error OperatorAlreadyRegisteredToAVS(address operator, address avs);
    error OperatorNotRegisteredToAVS(address operator, address avs);
    error SaltAlreadySpent(address operator, bytes32 salt);
    error OperatorNotRegisteredToEigenLayer(address operator);
    error InvalidSignatureLength(uint256 length);
    error InvalidSignature();

    constructor(IDelegationManager _delegation) {
        delegation = _delegation;
    }

    function registerOperatorToAVS(address operator, SignatureWithSaltAndExpiry memory operatorSignature) external {
        if (operatorSignature.expiry < block.timestamp) revert SignatureExpired(operatorSignature.expiry, block.timestamp);
        if (avsOperatorStatus[msg.sender][operator] == OperatorAVSRegistrationStatus.REGISTERED) {
            revert OperatorAlreadyRegisteredToAVS(operator, msg.sender);
        }
        if (operatorSaltIsSpent[operator][operatorSignature.salt]) revert SaltAlreadySpent(operator, operatorSignature.salt);
        if (!delegation.isOperator(operator)) revert OperatorNotRegisteredToEigenLayer(operator);

        bytes32 digest = calculateOperatorAVSRegistrationDigestHash(
            operator, msg.sender, operatorSignature.salt, operatorSignature.expiry
        );
        if (_recover(digest, operatorSignature.signature) != operator) revert InvalidSignature();

        avsOperatorStatus[msg.sender][operator] = OperatorAVSRegistrationStatus.REGISTERED;
        operatorSaltIsSpent[operator][operatorSignature.salt] = true;
        emit OperatorAVSRegistrationStatusUpdated(operator, msg.sender, OperatorAVSRegistrationStatus.REGISTERED);
    }

    function deregisterOperatorFromAVS(address operator) external {
        if (avsOperatorStatus[msg.sender][operator] != OperatorAVSRegistrationStatus.REGISTERED) {
            revert OperatorNotRegisteredToAVS(operator, msg.sender);
        }
        avsOperatorStatus[msg.sender][operator] = OperatorAVSRegistrationStatus.UNREGISTERED;
        emit OperatorAVSRegistrationStatusUpdated(operator, msg.sender, OperatorAVSRegistrationStatus.UNREGISTERED);
    }

    function updateAVSMetadataURI(string calldata metadataURI) external {
        emit AVSMetadataURIUpdated(msg.sender, metadataURI);
    }

    /// @notice Lets an operator invalidate a salt it signed but does not want used.
    function cancelSalt(bytes32 salt) external {
        if (operatorSaltIsSpent[msg.sender][salt]) revert SaltAlreadySpent(msg.sender, salt);
        operatorSaltIsSpent[msg.sender][salt] = true;
    }

    function calculateOperatorAVSRegistrationDigestHash(address operator, address avs, bytes32 salt, uint256 expiry)
        public
        view
        returns (bytes32)
    {
        bytes32 structHash = keccak256(abi.encode(OPERATOR_AVS_REGISTRATION_TYPEHASH, operator, avs, salt, expiry));
        return keccak256(abi.encodePacked("\x19\x01", domainSeparator(), structHash));
    }

    /// @notice Computed on every call, so it follows the chain id (no cached separator to go stale on a fork).
    function domainSeparator() public view returns (bytes32) {
        return keccak256(abi.encode(DOMAIN_TYPEHASH, keccak256(bytes("EigenLayer")), block.chainid, address(this)));
    }

    function _recover(bytes32 digest, bytes memory signature) internal pure returns (address) {
        if (signature.length != 65) revert InvalidSignatureLength(signature.length);
        bytes32 r;
        bytes32 s;
        uint8 v;
        assembly ("memory-safe") {
            r := mload(add(signature, 0x20))
            s := mload(add(signature, 0x40))
            v := byte(0, mload(add(signature, 0x60)))
        }
        if (v < 27) v += 27;
        if (uint256(s) > SECP256K1_HALF_ORDER || (v != 27 && v != 28)) revert InvalidSignature();
        address signer = ecrecover(digest, v, r, s);
        if (signer == address(0)) revert InvalidSignature();
        return signer;
    }
}
