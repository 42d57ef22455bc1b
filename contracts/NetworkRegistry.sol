// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

/**
 * @title NetworkRegistry
 * @notice Operators and validators of a distributed-validator network, as the events an exporter indexes.
 * Anyone registers an operator (its network public key and fee) and owns it; anyone registers a validator (its
 * 48-byte BLS public key) run by a sorted set of existing operators, with its encrypted key shares, and owns it.
 * No token accounting: fees are only recorded.
 * Events and argument order follow ssvlabs/ssv-network contracts/interfaces/ISSVOperators.sol and ISSVClusters.sol,
 * without SSV's `Cluster` balance tuple in the validator events.
 */
contract NetworkRegistry {
    uint256 internal constant VALIDATOR_PUBLIC_KEY_LENGTH = 48;

    struct Operator {
        address owner;
        uint256 fee;
        bool active;
    }

    /// @notice Id of the last registered operator; ids start at 1.
    uint64 public lastOperatorId;
    mapping(uint64 operatorId => Operator) public operators;
    mapping(bytes32 publicKeyHash => bool) public operatorPublicKeyUsed;
    /// @notice Owner of each registered validator, by keccak256 of its public key.
    mapping(bytes32 publicKeyHash => address) public validatorOwner;
    /// @notice keccak256(abi.encode(operatorIds)) of each registered validator.
    mapping(bytes32 publicKeyHash => bytes32) public validatorOperatorsHash;

    event OperatorAdded(uint64 indexed operatorId, address indexed owner, bytes publicKey, uint256 fee);
    event OperatorRemoved(uint64 indexed operatorId);
    event ValidatorAdded(address indexed owner, uint64[] operatorIds, bytes publicKey, bytes shares);
    event ValidatorRemoved(address indexed owner, uint64[] operatorIds, bytes publicKey);

    error EmptyOperatorPublicKey();
    error OperatorAlreadyExists();
    error OperatorDoesNotExist(uint64 operatorId);
    error CallerNotOperatorOwner(uint64 operatorId, address caller);
    error InvalidPublicKeyLength(uint256 length);
    error InvalidOperatorIdsLength();
    error UnsortedOperatorsList();
    error ValidatorAlreadyExists(bytes publicKey);
    error ValidatorDoesNotExist(bytes publicKey);
    error CallerNotValidatorOwner(address caller);
    error OperatorIdsMismatch();
    error PublicKeysSharesLengthMismatch();

    function registerOperator(bytes calldata publicKey, uint256 fee) external returns (uint64 id) {
        if (publicKey.length == 0) revert EmptyOperatorPublicKey();
        bytes32 keyHash = keccak256(publicKey);
        if (operatorPublicKeyUsed[keyHash]) revert OperatorAlreadyExists();
        operatorPublicKeyUsed[keyHash] = true;
        id = ++lastOperatorId;
        operators[id] = Operator(msg.sender, fee, true);
        emit OperatorAdded(id, msg.sender, publicKey, fee);
    }

    function removeOperator(uint64 operatorId) external {
        Operator storage operator = operators[operatorId];
        if (!operator.active) revert OperatorDoesNotExist(operatorId);
        if (operator.owner != msg.sender) revert CallerNotOperatorOwner(operatorId, msg.sender);
        operator.active = false;
        emit OperatorRemoved(operatorId);
    }

    function registerValidator(bytes calldata publicKey, uint64[] calldata operatorIds, bytes calldata shares)
        external
    {
        _checkOperators(operatorIds);
        _registerValidator(publicKey, operatorIds, shares);
    }

    /**
     * @notice Registers validators run by the same operators in one transaction, one ValidatorAdded each (after
     * ssv-network's bulkRegisterValidator, without its amount and Cluster arguments).
     */
    function bulkRegisterValidator(bytes[] calldata publicKeys, uint64[] calldata operatorIds, bytes[] calldata shares)
        external
    {
        if (publicKeys.length != shares.length) revert PublicKeysSharesLengthMismatch();
        _checkOperators(operatorIds);
        for (uint256 i = 0; i < publicKeys.length; i++) {
            _registerValidator(publicKeys[i], operatorIds, shares[i]);
        }
    }

    function _checkOperators(uint64[] calldata operatorIds) internal view {
        if (operatorIds.length == 0) revert InvalidOperatorIdsLength();
        for (uint256 i = 0; i < operatorIds.length; i++) {
            if (i != 0 && operatorIds[i] <= operatorIds[i - 1]) revert UnsortedOperatorsList();
            if (!operators[operatorIds[i]].active) revert OperatorDoesNotExist(operatorIds[i]);
        }
    }

    function _registerValidator(bytes calldata publicKey, uint64[] calldata operatorIds, bytes calldata shares)
        internal
    {
        if (publicKey.length != VALIDATOR_PUBLIC_KEY_LENGTH) revert InvalidPublicKeyLength(publicKey.length);
        bytes32 keyHash = keccak256(publicKey);
        if (validatorOwner[keyHash] != address(0)) revert ValidatorAlreadyExists(publicKey);
        validatorOwner[keyHash] = msg.sender;
        validatorOperatorsHash[keyHash] = keccak256(abi.encode(operatorIds));
        emit ValidatorAdded(msg.sender, operatorIds, publicKey, shares);
    }

    function removeValidator(bytes calldata publicKey, uint64[] calldata operatorIds) external {
        bytes32 keyHash = keccak256(publicKey);
        address owner = validatorOwner[keyHash];
        if (owner == address(0)) revert ValidatorDoesNotExist(publicKey);
        if (owner != msg.sender) revert CallerNotValidatorOwner(msg.sender);
        if (validatorOperatorsHash[keyHash] != keccak256(abi.encode(operatorIds))) revert OperatorIdsMismatch();
        delete validatorOwner[keyHash];
        delete validatorOperatorsHash[keyHash];
        emit ValidatorRemoved(msg.sender, operatorIds, publicKey);
    }
}
