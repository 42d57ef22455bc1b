// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Owned} from "./access/Owned.sol";
import {IDelegationManager} from "./interfaces/IDelegationManager.sol";

/**
 * @title DelegationManager (devnet stand-in)
 * @notice Answers the DelegationManager reads the middleware makes (`isOperator`, `operatorShares`,
 * `getOperatorShares`) from values the owner sets directly, instead of from deposits, delegations and withdrawals.
 * Strategies are only keys here: any address works.
 * ABI: Layr-Labs/eigenlayer-contracts v0.2.3-mainnet-m2 src/contracts/interfaces/IDelegationManager.sol
 */
contract DelegationManager is Owned, IDelegationManager {
    mapping(address operator => bool) public isOperator;
    mapping(address operator => mapping(address strategy => uint256)) public operatorShares;

    error OperatorAlreadyRegistered(address operator);

    constructor(address initialOwner) Owned(initialOwner) {}

    /// @notice Registers the caller as an operator (M2 signature; the details are only emitted).
    function registerAsOperator(OperatorDetails calldata registeringOperatorDetails, string calldata metadataURI)
        external
    {
        _registerOperator(msg.sender, registeringOperatorDetails);
        emit OperatorMetadataURIUpdated(msg.sender, metadataURI);
    }

    /// @notice Devnet shortcut: the owner registers `operator` without a transaction from it.
    function registerOperatorFor(address operator) external onlyOwner {
        _registerOperator(operator, OperatorDetails(operator, address(0), 0));
    }

    /// @notice Devnet shortcut: sets `operator`'s delegated shares in `strategy`, emitting the M2 share events with
    /// the change and the owner as staker.
    function setOperatorShares(address operator, address strategy, uint256 shares) external onlyOwner {
        uint256 previous = operatorShares[operator][strategy];
        operatorShares[operator][strategy] = shares;
        if (shares > previous) emit OperatorSharesIncreased(operator, msg.sender, strategy, shares - previous);
        if (shares < previous) emit OperatorSharesDecreased(operator, msg.sender, strategy, previous - shares);
    }

    function getOperatorShares(address operator, address[] memory strategies)
        external
        view
        returns (uint256[] memory shares)
    {
        shares = new uint256[](strategies.length);
        for (uint256 i = 0; i < strategies.length; i++) {
            shares[i] = operatorShares[operator][strategies[i]];
        }
    }

    function _registerOperator(address operator, OperatorDetails memory details) internal {
        if (isOperator[operator]) revert OperatorAlreadyRegistered(operator);
        isOperator[operator] = true;
        emit OperatorRegistered(operator, details);
    }
}
