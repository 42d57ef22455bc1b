/**
 * The shape shared by EigenLayer's two on-chain BLS checks (BLSSignatureChecker.trySignatureAndApkVerification
 * and BLSApkRegistry.registerBLSPublicKey): two statements, "σ = sk·H" and "pkG1 and pkG2 hold the same sk",
 * folded into one 2-pairing check with a Fiat–Shamir scalar γ = keccak256(all public inputs) mod r:
 *
 *     e(σ + γ·pkG1, −G2) · e(H + γ·G1, pkG2) = 1
 *
 * Why it works: write H = h·G1, σ = s·H, pkG1 = a·G1, pkG2 = b·G2. The left side equals
 * e(G1, G2)^(h(b − s) + γ(b − a)). If the signature is right and the keys match (s = a = b) the exponent is 0.
 * If a ≠ b, the exponent vanishes for exactly one γ mod r, and γ is a hash of every input, so a prover cannot
 * aim for it (probability ≈ 1/r). If a = b but s ≠ b, it never vanishes. One check thus replaces two.
 */
import * as mcl from 'mcl-wasm'
import { keccak256 } from 'viem'
import { BN254_R, bytesToUint, mod, uint256ToBytes } from './field.js'
import { frFromBigint } from './mclPoints.js'
import { getBn254Runtime } from './runtime.js'

/** keccak256 of 32-byte words (abi.encodePacked of uint256/bytes32 values) reduced mod r. */
export function keccakWordsModR(words: readonly (bigint | Uint8Array)[]): bigint {
  const bytes = new Uint8Array(32 * words.length)
  words.forEach((word, i) => {
    bytes.set(typeof word === 'bigint' ? uint256ToBytes(word) : word, 32 * i)
  })
  return mod(bytesToUint(keccak256(bytes, 'bytes')), BN254_R)
}

/** The G1 and G2 sides of e(a + γ·b, −G2)·e(c + γ·G1, d) = 1, ready for `pairingProductIsOne`. */
export function gammaEquationMcl(
  a: mcl.G1,
  b: mcl.G1,
  c: mcl.G1,
  d: mcl.G2,
  gamma: bigint,
): { g1s: [mcl.G1, mcl.G1]; g2s: [mcl.G2, mcl.G2] } {
  const { g1, negG2 } = getBn254Runtime()
  const scalar = frFromBigint(gamma)
  return { g1s: [mcl.add(a, mcl.mul(b, scalar)), mcl.add(c, mcl.mul(g1, scalar))], g2s: [negG2, d] }
}
