/**
 * The operator check-in token, wire-compatible with Ava Protocol operators (core/auth/operator.go):
 *
 *     authorization: Bearer <epoch>.<hex signature>
 *
 * where the signature is an EIP-191 `personal_sign` by the operator's ECDSA key of the text
 * `Operator:<checksummed address>Epoch:<epoch>` (epoch: Unix seconds), 65 bytes r ‖ s ‖ v with v = 27/28 (0/1 are
 * accepted too), hex with or without `0x`. The address inside the signed text binds a token to one operator; the
 * epoch is what the window and replay rules check (see `authenticateCheckin.ts`).
 *
 * Signing uses libsecp256k1 compiled to WebAssembly (`tiny-secp256k1`; an operator signs once every few seconds).
 * Verification uses the fastest secp256k1 backend that loads (`ecdsaBackend.ts`: native libsecp256k1, ~50 µs a
 * verification here, else the WebAssembly build, ~160–230 µs), because an aggregator verifies every check-in of every
 * operator. It recovers an operator's public key once, checks that it hashes to the claimed address, and from then on
 * verifies against the remembered key (~50 µs against ~60 µs for a recovery and a keccak256 natively).
 *
 * Verification runs on the calling thread. A worker thread was measured with the native backend (bench/RESULTS.md):
 * it took ~75–140 µs a check-in off the main thread but did not raise the check-in rate on two cores, where the
 * other core is busy with the client or the database anyway.
 */
import { keccak_256 } from '@noble/hashes/sha3.js'
import * as secp256k1 from 'tiny-secp256k1'
import { type Address, type Hex, hexToBytes } from 'viem'
import { type EcdsaBackend, type EcdsaBackendName, loadEcdsaBackend } from './ecdsaBackend.js'

/** The text an operator signs for a check-in at `epoch`. */
export function checkinMessage(address: Address, epoch: number): string {
  return `Operator:${address}Epoch:${epoch}`
}

const encoder = new TextEncoder()

/** keccak256("\x19Ethereum Signed Message:\n" ‖ len ‖ message): what `personal_sign` signs (EIP-191 version 0x45). */
export function checkinDigest(address: Address, epoch: number): Uint8Array {
  const message = checkinMessage(address, epoch)
  return keccak_256(encoder.encode(`\x19Ethereum Signed Message:\n${message.length}${message}`))
}

export type SignCheckinTokenParameters = {
  privateKey: Hex | Uint8Array
  /** The operator's checksummed address (the key's address). */
  address: Address
  /** Unix seconds. */
  epoch: number
}

/**
 * Signs a check-in token `<epoch>.0x<r‖s‖v>`; send it as `authorization: Bearer <token>`.
 *
 * @example
 * const token = signCheckinToken({ privateKey, address, epoch: Math.floor(Date.now() / 1000) })
 * metadata.set('authorization', `Bearer ${token}`)
 */
export function signCheckinToken(parameters: SignCheckinTokenParameters): string {
  const key = typeof parameters.privateKey === 'string' ? hexToBytes(parameters.privateKey) : parameters.privateKey
  const { signature, recoveryId } = secp256k1.signRecoverable(checkinDigest(parameters.address, parameters.epoch), key)
  return `${parameters.epoch}.0x${Buffer.from(signature).toString('hex')}${(27 + recoveryId).toString(16)}`
}

export type CheckinToken = {
  epoch: number
  /** r ‖ s. */
  signature: Uint8Array
  recoveryId: 0 | 1
}

/** Why an authorization value is not a check-in token. */
export type CheckinTokenProblem = 'missing' | 'not-bearer' | 'malformed'

export class CheckinTokenError extends Error {
  override name = 'CheckinTokenError'
  constructor(readonly problem: CheckinTokenProblem) {
    super(
      problem === 'missing'
        ? 'missing authorization metadata: expected the "Bearer" scheme with an <epoch>.<signature> token'
        : problem === 'not-bearer'
          ? 'authorization must use the "Bearer" scheme with an <epoch>.<signature> token'
          : 'malformed check-in token: expected <epoch>.<65-byte hex signature>',
    )
  }
}

const tokenPattern = /^Bearer ([0-9]{1,12})\.(?:0x)?([0-9a-fA-F]{130})$/

/** Parses `Bearer <epoch>.<hex signature>`; throws `CheckinTokenError` saying what is wrong. */
export function parseCheckinAuthorization(value: string | undefined): CheckinToken {
  if (value === undefined || value === '') throw new CheckinTokenError('missing')
  if (!/^Bearer /i.test(value)) throw new CheckinTokenError('not-bearer')
  const match = tokenPattern.exec(value)
  if (!match) throw new CheckinTokenError('malformed')
  const bytes = Buffer.from(match[2] as string, 'hex')
  const v = bytes[64] as number
  const recoveryId = v === 27 || v === 0 ? 0 : v === 28 || v === 1 ? 1 : undefined
  if (recoveryId === undefined) throw new CheckinTokenError('malformed')
  return { epoch: Number(match[1]), signature: bytes.subarray(0, 64), recoveryId }
}

export type CheckinSignatureVerifier = {
  /** True when `token` is `address`'s signature over the check-in text at the token's epoch. */
  verify(address: Address, token: CheckinToken): boolean
  /** Public keys remembered. */
  readonly size: number
  /** The secp256k1 implementation in use (`native` unless the binding could not load). */
  readonly backend: EcdsaBackendName
}

export type CreateCheckinSignatureVerifierParameters = {
  /** Operator public keys remembered (oldest forgotten first). Default 100 000. */
  maxKeys?: number | undefined
  /** Default: `loadEcdsaBackend()`, native libsecp256k1 when it loads. */
  backend?: EcdsaBackend | undefined
}

/**
 * @example
 * const verifier = createCheckinSignatureVerifier()
 * verifier.verify(address, parseCheckinAuthorization(header)) // true | false
 */
export function createCheckinSignatureVerifier(
  parameters: CreateCheckinSignatureVerifierParameters = {},
): CheckinSignatureVerifier {
  const maxKeys = parameters.maxKeys ?? 100_000
  const backend = parameters.backend ?? loadEcdsaBackend()
  const keys = new Map<Address, Uint8Array>()
  return {
    verify(address, token) {
      const digest = checkinDigest(address, token.epoch)
      const known = keys.get(address)
      if (known) return backend.verify(digest, known, token.signature)
      // Once per operator: recover the key and check that it is the claimed address's.
      const publicKey = backend.recover(digest, token.signature, token.recoveryId)
      if (!publicKey || !sameAddress(publicKey, address)) return false
      if (keys.size >= maxKeys) keys.delete(keys.keys().next().value as Address)
      keys.set(address, publicKey)
      return true
    },
    get size() {
      return keys.size
    },
    get backend() {
      return backend.name
    },
  }
}

/** Whether an uncompressed public key (0x04 ‖ X ‖ Y) hashes to `address`. */
function sameAddress(publicKey: Uint8Array, address: Address): boolean {
  const hash = keccak_256(publicKey.subarray(1))
  return Buffer.from(hash.subarray(12)).toString('hex') === address.slice(2).toLowerCase()
}
