// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {IOwnable} from "../interfaces/IOwnable.sol";

/**
 * @title Owned
 * @notice Single-owner access control with the `owner()` getter and `OwnershipTransferred` event of OpenZeppelin's
 * Ownable, which the M2 contracts inherit. No renouncing: a devnet always has an owner.
 */
abstract contract Owned is IOwnable {
    address public owner;

    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);

    error CallerNotOwner(address caller, address currentOwner);
    error ZeroAddressOwner();

    modifier onlyOwner() {
        if (msg.sender != owner) revert CallerNotOwner(msg.sender, owner);
        _;
    }

    constructor(address initialOwner) {
        _transferOwnership(initialOwner);
    }

    function transferOwnership(address newOwner) external onlyOwner {
        _transferOwnership(newOwner);
    }

    function _transferOwnership(address newOwner) internal {
        if (newOwner == address(0)) revert ZeroAddressOwner();
        emit OwnershipTransferred(owner, newOwner);
        owner = newOwner;
    }
}
