/**
 * The BLS equation of `BLSSignatureChecker.checkSignatures` (eigenlayer-middleware,
 * `trySignatureAndApkVerification`), reproduced off chain so that a certificate can be checked before it is
 * submitted:
 *
 *     γ = keccak256(msgHash, apk.X, apk.Y, apkG2.X[0], apkG2.X[1], apkG2.Y[0], apkG2.Y[1], σ.X, σ.Y) mod r
 *     e(σ + γ·apk, −G2) · e(H(msgHash) + γ·G1, apkG2) = 1
 *
 * apk (G1) is what the contract computes: Σ of the task's quorum aggregate keys minus the non-signers' keys, so an
 * operator in k of the quorums counts k times, and σ and apkG2 must be built with the same multiplicities. G2
 * pairs are in contract order ([imaginary, real]); see gammaEquation.ts for why γ makes one check enough.
 *
 * Points at infinity are accepted here because the contract accepts them (the precompiles encode infinity as
 * zeros).
 */

import { gammaEquationMcl, keccakWordsModR } from './gammaEquation.js'
import { type BlsDigest, digestToBytes, hashToG1Mcl } from './hashToG1.js'
import { g1FromMcl, g2FromMcl } from './mclPoints.js'
import type { G1Point, G2Point } from './points.js'
import { g1ToMcl, g2ToMcl } from './validation.js'
import { pairingProductIsOne } from './wasmVectors.js'

export type CheckSignaturesEquationParameters = {
  /** The 32-byte message hash passed to `checkSignatures`. */
  msgHash: BlsDigest
  /** Aggregate G1 key of the signers, as the contract derives it. */
  apk: G1Point
  /** Aggregate G2 key of the signers (contract order). */
  apkG2: G2Point
  /** Aggregate signature. */
  sigma: G1Point
}

/**
 * γ of checkSignatures: keccak256(msgHash, apk.X, apk.Y, apkG2.X[0], apkG2.X[1], apkG2.Y[0], apkG2.Y[1], σ.X, σ.Y)
 * mod r, each a 32-byte word.
 */
export function checkSignaturesGamma(p: CheckSignaturesEquationParameters): bigint {
  return keccakWordsModR([
    digestToBytes(p.msgHash, 'msgHash'),
    p.apk.x,
    p.apk.y,
    p.apkG2.x[0],
    p.apkG2.x[1],
    p.apkG2.y[0],
    p.apkG2.y[1],
    p.sigma.x,
    p.sigma.y,
  ])
}

function prepare(p: CheckSignaturesEquationParameters) {
  const msgHash = digestToBytes(p.msgHash, 'msgHash')
  const options = { allowInfinity: true }
  const apk = g1ToMcl(p.apk, 'apk', options)
  const apkG2 = g2ToMcl(p.apkG2, 'apkG2', options)
  const sigma = g1ToMcl(p.sigma, 'sigma', options)
  return gammaEquationMcl(sigma, apk, hashToG1Mcl(msgHash), apkG2, checkSignaturesGamma(p))
}

/**
 * The two (G1, G2) pairs the contract hands to the pairing precompile: (σ + γ·apk, −G2) and
 * (H(msgHash) + γ·G1, apkG2).
 */
export function checkSignaturesPairs(p: CheckSignaturesEquationParameters): [[G1Point, G2Point], [G1Point, G2Point]] {
  const { g1s, g2s } = prepare(p)
  return [
    [g1FromMcl(g1s[0]), g2FromMcl(g2s[0])],
    [g1FromMcl(g1s[1]), g2FromMcl(g2s[1])],
  ]
}

/**
 * Whether checkSignatures' pairing check passes for these values, as the contract would decide it.
 *
 * @example
 * verifyCheckSignaturesEquation({ msgHash, apk, apkG2, sigma }) // true for a correct certificate
 */
export function verifyCheckSignaturesEquation(p: CheckSignaturesEquationParameters): boolean {
  const { g1s, g2s } = prepare(p)
  return pairingProductIsOne(g1s, g2s)
}
