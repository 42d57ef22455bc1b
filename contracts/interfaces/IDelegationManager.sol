// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

/// @notice The part of EigenLayer's DelegationManager that the middleware and the devnet use.
/// ABI: Layr-Labs/eigenlayer-contracts v0.2.3-mainnet-m2 src/contracts/interfaces/IDelegationManager.sol
/// (strategies are `IStrategy` there; they encode as `address`, so selectors and event topics are the same).
interface IDelegationManager {
    struct OperatorDetails {
        address earningsReceiver;
        address delegationApprover;
        uint32 stakerOptOutWindowBlocks;
    }

    event OperatorRegistered(address indexed operator, OperatorDetails operatorDetails);
    event OperatorMetadataURIUpdated(address indexed operator, string metadataURI);
    /// @dev `shares` is the change, as in M2.
    event OperatorSharesIncreased(address indexed operator, address staker, address strategy, uint256 shares);
    event OperatorSharesDecreased(address indexed operator, address staker, address strategy, uint256 shares);

    function isOperator(address operator) external view returns (bool);

    function operatorShares(address operator, address strategy) external view returns (uint256);

    function getOperatorShares(address operator, address[] memory strategies) external view returns (uint256[] memory);
}
