// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

/// @notice The `owner()` getter of OpenZeppelin's Ownable, which M2 contracts expose.
interface IOwnable {
    function owner() external view returns (address);
}
