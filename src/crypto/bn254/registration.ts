/**
 * BLS public key registration of the EigenLayer M2 middleware (`RegistryCoordinator.registerOperator` →
 * `BLSApkRegistry.registerBLSPublicKey`): an operator proves it holds the private key of both pkG1 and pkG2 by
 * signing a message bound to its address, so nobody can register a key derived from others' keys (the rogue-key
 * attack that would break aggregation).
 *
 * Message: H = hashToG1(EIP-712 digest of `BN254PubkeyRegistration(address operator)`) in the domain
 * { name "AVSRegistryCoordinator", version "v0.0.1", chainId, verifyingContract = registry coordinator }
 * (`RegistryCoordinator.pubkeyRegistrationMessageHash`).
 * Proof: σ = sk·H, checked on chain as
 *
 *     γ = keccak256(σ.X, σ.Y, pkG1.X, pkG1.Y, pkG2.X[0], pkG2.X[1], pkG2.Y[0], pkG2.Y[1], H.X, H.Y) mod r
 *     e(σ + γ·pkG1, −G2) · e(H + γ·G1, pkG2) = 1
 *
 * (see gammaEquation.ts). G2 is in contract order throughout.
 */

import * as mcl from 'mcl-wasm'
import { hashTypedData, isAddress } from 'viem'
import { InvalidInputError } from '../../core/errors.js'
import { gammaEquationMcl, keccakWordsModR } from './gammaEquation.js'
import { hashToG1 } from './hashToG1.js'
import { blsPrivateKeyToMcl } from './keys.js'
import { g1FromMcl, g2FromMcl } from './mclPoints.js'
import type { G1Point, G2Point } from './points.js'
import { getBn254Runtime } from './runtime.js'
import { g1ToMcl, g2ToMcl } from './validation.js'
import { pairingProductIsOne } from './wasmVectors.js'

/** Shaped like the M2 `IBLSApkRegistry.PubkeyRegistrationParams` struct (map to `{X, Y}` with g1ToStruct). */
export type PubkeyRegistrationParams = {
  pubkeyRegistrationSignature: G1Point
  pubkeyG1: G1Point
  pubkeyG2: G2Point
}

export type PubkeyRegistrationMessageHashParameters = {
  chainId: number
  registryCoordinator: `0x${string}`
  operator: `0x${string}`
}

/** EIP-712 domain name and version of the M2 RegistryCoordinator (`EIP712("AVSRegistryCoordinator", "v0.0.1")`). */
export const REGISTRY_COORDINATOR_EIP712_NAME = 'AVSRegistryCoordinator'
export const REGISTRY_COORDINATOR_EIP712_VERSION = 'v0.0.1'

/**
 * The G1 point an operator signs to register its BLS key: what
 * `RegistryCoordinator.pubkeyRegistrationMessageHash(operator)` returns on chain.
 *
 * @example
 * const h = pubkeyRegistrationMessageHash({ chainId: 31337, registryCoordinator, operator: account.address })
 */
export function pubkeyRegistrationMessageHash(p: PubkeyRegistrationMessageHashParameters): G1Point {
  if (!Number.isSafeInteger(p.chainId) || p.chainId <= 0) {
    throw new InvalidInputError(`chainId: expected a positive integer, got ${String(p.chainId)}`)
  }
  for (const field of ['registryCoordinator', 'operator'] as const) {
    if (typeof p[field] !== 'string' || !isAddress(p[field], { strict: false })) {
      throw new InvalidInputError(`${field}: expected a 20-byte 0x-hex address, got ${JSON.stringify(p[field])}`)
    }
  }
  const digest = hashTypedData({
    domain: {
      name: REGISTRY_COORDINATOR_EIP712_NAME,
      version: REGISTRY_COORDINATOR_EIP712_VERSION,
      chainId: p.chainId,
      verifyingContract: p.registryCoordinator,
    },
    types: { BN254PubkeyRegistration: [{ name: 'operator', type: 'address' }] },
    primaryType: 'BN254PubkeyRegistration',
    message: { operator: p.operator },
  })
  return hashToG1(digest)
}

/**
 * The registration proof: σ = sk·messageHash, with pkG1 and pkG2 (contract order).
 *
 * @example
 * const params = pubkeyRegistrationParams(keyPair.privateKey, messageHash)
 */
export function pubkeyRegistrationParams(sk: bigint, messageHash: G1Point): PubkeyRegistrationParams {
  const scalar = blsPrivateKeyToMcl(sk)
  const { g1, g2 } = getBn254Runtime()
  const h = g1ToMcl(messageHash, 'messageHash')
  return {
    pubkeyRegistrationSignature: g1FromMcl(mcl.mul(h, scalar)),
    pubkeyG1: g1FromMcl(mcl.mul(g1, scalar)),
    pubkeyG2: g2FromMcl(mcl.mul(g2, scalar)),
  }
}

/** γ of registerBLSPublicKey (see the module doc). */
export function pubkeyRegistrationGamma(params: PubkeyRegistrationParams, messageHash: G1Point): bigint {
  const { pubkeyRegistrationSignature: sigma, pubkeyG1, pubkeyG2 } = params
  return keccakWordsModR([
    sigma.x,
    sigma.y,
    pubkeyG1.x,
    pubkeyG1.y,
    pubkeyG2.x[0],
    pubkeyG2.x[1],
    pubkeyG2.y[0],
    pubkeyG2.y[1],
    messageHash.x,
    messageHash.y,
  ])
}

function prepare(params: PubkeyRegistrationParams, messageHash: G1Point) {
  const sigma = g1ToMcl(params.pubkeyRegistrationSignature, 'pubkeyRegistrationSignature')
  const pkG1 = g1ToMcl(params.pubkeyG1, 'pubkeyG1')
  const pkG2 = g2ToMcl(params.pubkeyG2, 'pubkeyG2')
  const h = g1ToMcl(messageHash, 'messageHash')
  return gammaEquationMcl(sigma, pkG1, h, pkG2, pubkeyRegistrationGamma(params, messageHash))
}

/** The two (G1, G2) pairs registerBLSPublicKey hands to the pairing precompile. */
export function pubkeyRegistrationPairs(
  params: PubkeyRegistrationParams,
  messageHash: G1Point,
): [[G1Point, G2Point], [G1Point, G2Point]] {
  const { g1s, g2s } = prepare(params, messageHash)
  return [
    [g1FromMcl(g1s[0]), g2FromMcl(g2s[0])],
    [g1FromMcl(g1s[1]), g2FromMcl(g2s[1])],
  ]
}

/** Whether registerBLSPublicKey would accept these params for this message hash. */
export function verifyPubkeyRegistration(params: PubkeyRegistrationParams, messageHash: G1Point): boolean {
  const { g1s, g2s } = prepare(params, messageHash)
  return pairingProductIsOne(g1s, g2s)
}
