// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

/**
 * @title QuorumBitmap
 * @notice Conversions between quorum-number byte strings (each byte one quorum, strictly ascending, as every M2
 * middleware function takes them) and bitmaps with bit q set for quorum q.
 */
library QuorumBitmap {
    /// @notice `quorumNumbers` is empty where at least one quorum is required.
    error EmptyQuorumNumbers();
    /// @notice `quorumNumbers` is not strictly ascending (unsorted or with a duplicate).
    error QuorumNumbersNotAscending();
    /// @notice A quorum number is at or above the number of quorums created.
    error QuorumDoesNotExist(uint8 quorumNumber);

    /// @notice Bitmap of a strictly ascending, non-empty list of existing quorums (each below `quorumCount`).
    function fromOrderedBytes(bytes memory quorumNumbers, uint8 quorumCount) internal pure returns (uint256 bitmap) {
        if (quorumNumbers.length == 0) revert EmptyQuorumNumbers();
        for (uint256 i = 0; i < quorumNumbers.length; i++) {
            uint8 quorumNumber = uint8(quorumNumbers[i]);
            if (quorumNumber >= quorumCount) revert QuorumDoesNotExist(quorumNumber);
            uint256 bit = uint256(1) << quorumNumber;
            // The new bit must be above every bit set so far.
            if (bit <= bitmap) revert QuorumNumbersNotAscending();
            bitmap |= bit;
        }
    }

    /// @notice The quorum numbers set in `bitmap`, ascending.
    function toBytes(uint256 bitmap) internal pure returns (bytes memory quorumNumbers) {
        quorumNumbers = new bytes(countOnes(bitmap));
        uint256 next = 0;
        for (uint256 q = 0; q < 256 && next < quorumNumbers.length; q++) {
            if ((bitmap >> q) & 1 == 1) {
                quorumNumbers[next] = bytes1(uint8(q));
                next++;
            }
        }
    }

    function isSet(uint256 bitmap, uint8 quorumNumber) internal pure returns (bool) {
        return (bitmap >> quorumNumber) & 1 == 1;
    }

    function countOnes(uint256 bitmap) internal pure returns (uint256 count) {
        while (bitmap != 0) {
            bitmap &= bitmap - 1;
            count++;
        }
    }
}
