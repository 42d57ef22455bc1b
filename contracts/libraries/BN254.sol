// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

/**
 * @title BN254
 * @notice BN254 (alt_bn128) arithmetic over the EVM precompiles: 0x05 modexp (EIP-198), 0x06 G1 add and 0x07 G1 scalar
 * multiplication (EIP-196), 0x08 pairing check (EIP-197).
 *
 * Points use the EigenLayer middleware layout so that ABI encodings match M2: `G1Point{X, Y}` and
 * `G2Point{uint256[2] X; uint256[2] Y}` where each pair is [imaginary, real] (A1, A0), the order EIP-197 reads.
 * The point at infinity is (0, 0), as the precompiles treat it.
 *
 * `hashToG1` is EigenLayer's try-and-increment map with no extra hashing: x = digest mod p, then x, x+1, ... until
 * x^3 + 3 is a square; y is exactly (x^3 + 3)^((p+1)/4) mod p (p = 3 mod 4, so that power is a square root).
 */
library BN254 {
    /// @notice Base field modulus p.
    uint256 internal constant FP_MODULUS =
        21888242871839275222246405745257275088696311157297823662689037894645226208583;
    /// @notice Scalar field modulus r (the group order).
    uint256 internal constant FR_MODULUS =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;

    struct G1Point {
        uint256 X;
        uint256 Y;
    }

    /// @dev Each pair is [imaginary, real].
    struct G2Point {
        uint256[2] X;
        uint256[2] Y;
    }

    error G1AdditionFailed();
    error G1ScalarMultiplicationFailed();
    error PairingPrecompileFailed();
    error ModExpFailed();

    /// @notice The generator of G1, (1, 2).
    function generatorG1() internal pure returns (G1Point memory) {
        return G1Point(1, 2);
    }

    /// @notice −G2: the EIP-197 G2 generator with its y negated, [imaginary, real] in each pair.
    function negGeneratorG2() internal pure returns (G2Point memory) {
        return G2Point(
            [
                11559732032986387107991004021392285783925812861821192530917403151452391805634,
                10857046999023057135944570762232829481370756359578518086990519993285655852781
            ],
            [
                17805874995975841540914202342111839520379459829704422454583296818431106115052,
                13392588948715843804641432497768002650278120570034223513918757245338268106653
            ]
        );
    }

    function negate(G1Point memory p) internal pure returns (G1Point memory) {
        if (p.X == 0 && p.Y == 0) return G1Point(0, 0);
        return G1Point(p.X, FP_MODULUS - (p.Y % FP_MODULUS));
    }

    function plus(G1Point memory a, G1Point memory b) internal view returns (G1Point memory r) {
        uint256[4] memory input = [a.X, a.Y, b.X, b.Y];
        bool ok;
        assembly ("memory-safe") {
            ok := staticcall(gas(), 0x06, input, 0x80, r, 0x40)
        }
        if (!ok) revert G1AdditionFailed();
    }

    function scalarMul(G1Point memory p, uint256 s) internal view returns (G1Point memory r) {
        uint256[3] memory input = [p.X, p.Y, s];
        bool ok;
        assembly ("memory-safe") {
            ok := staticcall(gas(), 0x07, input, 0x60, r, 0x40)
        }
        if (!ok) revert G1ScalarMultiplicationFailed();
    }

    /**
     * @notice Checks e(a1, a2) · e(b1, b2) = 1 with at most `gasLimit` gas for the precompile.
     * @return success false when the precompile failed (a point off the curve or not in the subgroup, or out of gas)
     * @return valid whether the product of pairings is one
     */
    function safePairing(G1Point memory a1, G2Point memory a2, G1Point memory b1, G2Point memory b2, uint256 gasLimit)
        internal
        view
        returns (bool success, bool valid)
    {
        uint256[12] memory input = [
            a1.X, a1.Y, a2.X[0], a2.X[1], a2.Y[0], a2.Y[1],
            b1.X, b1.Y, b2.X[0], b2.X[1], b2.Y[0], b2.Y[1]
        ];
        uint256[1] memory out;
        assembly ("memory-safe") {
            success := staticcall(gasLimit, 0x08, input, 0x180, out, 0x20)
        }
        valid = success && out[0] == 1;
    }

    /// @notice Like `safePairing` with all gas; reverts when the precompile fails.
    function pairing(G1Point memory a1, G2Point memory a2, G1Point memory b1, G2Point memory b2)
        internal
        view
        returns (bool)
    {
        (bool success, bool valid) = safePairing(a1, a2, b1, b2, gasleft());
        if (!success) revert PairingPrecompileFailed();
        return valid;
    }

    /// @notice keccak256(X ‖ Y), each 32 bytes big-endian: an operator's id when `p` is its G1 public key.
    function hashG1Point(G1Point memory p) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(p.X, p.Y));
    }

    /// @notice EigenLayer's try-and-increment hash of a 32-byte digest onto G1 (see the file comment).
    function hashToG1(bytes32 digest) internal view returns (G1Point memory) {
        uint256 x = uint256(digest) % FP_MODULUS;
        while (true) {
            uint256 beta = addmod(mulmod(mulmod(x, x, FP_MODULUS), x, FP_MODULUS), 3, FP_MODULUS);
            uint256 y = expMod(beta, (FP_MODULUS + 1) / 4, FP_MODULUS);
            if (mulmod(y, y, FP_MODULUS) == beta) return G1Point(x, y);
            x = addmod(x, 1, FP_MODULUS);
        }
        // Unreachable: about half of all x have a square x^3 + 3.
        return G1Point(0, 0);
    }

    function expMod(uint256 base, uint256 exponent, uint256 modulus) internal view returns (uint256 result) {
        uint256[6] memory input = [uint256(32), 32, 32, base, exponent, modulus];
        uint256[1] memory out;
        bool ok;
        assembly ("memory-safe") {
            ok := staticcall(gas(), 0x05, input, 0xc0, out, 0x20)
        }
        if (!ok) revert ModExpFailed();
        result = out[0];
    }
}
