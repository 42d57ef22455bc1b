/**
 * BLS signatures on BN254 with signatures in G1 and public keys in G2, as EigenLayer does (signatures are the
 * cheap, numerous objects; G1 arithmetic is what the EVM precompiles 0x06/0x07 offer).
 *
 * Sign: σ = sk·H(m), with H = hashToG1 of the 32-byte digest.
 * Verify: e(σ, G2) = e(H(m), pkG2), checked as one product of pairings e(σ, −G2)·e(H(m), pkG2) = 1: two Miller
 * loops and a single final exponentiation, the same equation the pairing precompile is asked on chain.
 *
 * Inputs that are not valid points throw InvalidInputError; a well-formed signature that does not match returns
 * false.
 */
import * as mcl from 'mcl-wasm'
import { type BlsDigest, hashToG1Mcl } from './hashToG1.js'
import { blsPrivateKeyToMcl } from './keys.js'
import { g1FromMcl } from './mclPoints.js'
import type { G1Point, G2Point } from './points.js'
import { getBn254Runtime } from './runtime.js'
import { g1ToMcl, g2ToMcl } from './validation.js'
import { pairingProductIsOne } from './wasmVectors.js'

/**
 * Signs a 32-byte digest: σ = sk·hashToG1(digest).
 *
 * @example
 * const signature = signDigest(keyPair.privateKey, taskResponseDigest)
 */
export function signDigest(sk: bigint, digest: BlsDigest): G1Point {
  const scalar = blsPrivateKeyToMcl(sk)
  return g1FromMcl(mcl.mul(hashToG1Mcl(digest), scalar))
}

/** σ = sk·H in mcl form (sk from `blsPrivateKeyToMcl`, H from `hashToG1Mcl`). */
export function signHashMcl(sk: mcl.Fr, hash: mcl.G1): mcl.G1 {
  getBn254Runtime()
  return mcl.mul(hash, sk)
}

/**
 * Whether `signature` is a valid signature of `digest` under `pkG2`: e(σ, −G2)·e(H(m), pkG2) = 1.
 * InvalidInputError when a point is malformed, off its curve, not in its subgroup, or at infinity.
 *
 * @example
 * verifySignature(keyPair.g2, digest, signature) // true
 */
export function verifySignature(pkG2: G2Point, digest: BlsDigest, signature: G1Point): boolean {
  const pk = g2ToMcl(pkG2, 'public key (G2)')
  const sigma = g1ToMcl(signature, 'signature')
  return verifySignatureMcl(pk, hashToG1Mcl(digest), sigma)
}

/** verifySignature on already checked mcl values (pkG2 from `g2ToMcl`, hash from `hashToG1Mcl`). */
export function verifySignatureMcl(pkG2: mcl.G2, hash: mcl.G1, signature: mcl.G1): boolean {
  const { negG2 } = getBn254Runtime()
  return pairingProductIsOne([signature, hash], [negG2, pkG2])
}
