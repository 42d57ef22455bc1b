/**
 * Points of BN254 as plain bigints, in the layout the EVM uses.
 *
 * G1 is E(F_p): y² = x³ + 3, prime order r, cofactor 1, generator (1, 2).
 * G2 is the order-r subgroup of the sextic twist E'(F_p²): y² = x³ + 3/(9 + i), where F_p² = F_p[i]/(i² + 1).
 *
 * An F_p² element a + b·i is written by Solidity's `G2Point{uint256[2] X; uint256[2] Y}` and by the pairing
 * precompile (EIP-197 "Encoding": "elements a * i + b of F_p^2 are encoded as two elements of F_p, (a, b)") as
 * **[imaginary, real]**. Most libraries, mcl included (Fp2 = a + b·i with `a` real), use [real, imaginary]. This
 * module keeps the EVM order everywhere a bigint is visible, and swaps exactly once, where points enter or leave
 * mcl (`mclPoints.ts`).
 *
 * The point at infinity is written (0, 0) in G1 and ([0, 0], [0, 0]) in G2, as the precompiles do; functions say
 * whether they accept it.
 */

export type G1Point = { x: bigint; y: bigint }

/** Solidity / EIP-197 order: each pair is [imaginary, real] (A1, A0). */
export type G2Point = { x: readonly [bigint, bigint]; y: readonly [bigint, bigint] }

/** The G1 generator (1, 2) (EIP-196; `BN254.generatorG1()`). */
export const G1_GENERATOR: G1Point = Object.freeze({ x: 1n, y: 2n })

/**
 * The G2 generator of EIP-197 in contract order ([imaginary, real]); the same constants as `BN254.G2x1`, `G2x0`,
 * `G2y1`, `G2y0` in eigenlayer-middleware.
 */
export const G2_GENERATOR: G2Point = Object.freeze({
  x: Object.freeze([
    11559732032986387107991004021392285783925812861821192530917403151452391805634n,
    10857046999023057135944570762232829481370756359578518086990519993285655852781n,
  ] as const),
  y: Object.freeze([
    4082367875863433681332203403145435568316851327593401208105741076214120093531n,
    8495653923123431417604973247489272438418190587263600148770280649306958101930n,
  ] as const),
})

/** −G2 in contract order (`BN254.negGeneratorG2()` in eigenlayer-middleware): the checkers pair σ with it. */
export const G2_NEG_GENERATOR: G2Point = Object.freeze({
  x: G2_GENERATOR.x,
  y: Object.freeze([
    17805874995975841540914202342111839520379459829704422454583296818431106115052n,
    13392588948715843804641432497768002650278120570034223513918757245338268106653n,
  ] as const),
})

export const G1_INFINITY: G1Point = Object.freeze({ x: 0n, y: 0n })
export const G2_INFINITY: G2Point = Object.freeze({
  x: Object.freeze([0n, 0n] as const),
  y: Object.freeze([0n, 0n] as const),
})

export function isG1Infinity(p: G1Point): boolean {
  return p.x === 0n && p.y === 0n
}

export function isG2Infinity(p: G2Point): boolean {
  return p.x[0] === 0n && p.x[1] === 0n && p.y[0] === 0n && p.y[1] === 0n
}

export function g1Equal(a: G1Point, b: G1Point): boolean {
  return a.x === b.x && a.y === b.y
}

export function g2Equal(a: G2Point, b: G2Point): boolean {
  return a.x[0] === b.x[0] && a.x[1] === b.x[1] && a.y[0] === b.y[0] && a.y[1] === b.y[1]
}
