/**
 * BN254 BLS keys in the two keystore formats EigenLayer tooling writes:
 *
 * 1. eigensdk-go `crypto/bls` (`KeyPair.SaveToFile` / `ReadPrivateKeyFromFile`), the `*.bls.key.json` of
 *    eigenlayer-cli before its EIP-2335 switch and of most AVS repos (incredible-squaring and others):
 *
 *      { "pubKey": "E([<G1 x decimal>,<G1 y decimal>])", "crypto": <geth CryptoJSON, see web3SecretStorage.ts> }
 *
 *    `pubKey` is gnark-crypto's `G1Affine.String()`; the encrypted secret is the scalar as 32 bytes big-endian
 *    (`fr.Element.Bytes()`), read back with `fr.Element.SetBytes`, which reduces modulo r. This is the format
 *    `createBlsKeystore` writes.
 *
 * 2. EIP-2335 (version 4), as eigenlayer-cli writes it today through Layr-Labs/bn254-keystore-go, with an extra
 *    `"curve": "bn254"` and `pubkey` = gnark's compressed G2 (64 bytes: X.A1 ‖ X.A0 big-endian, the top two bits
 *    of the first byte a flag). Read only.
 *
 * After decryption the stored public key is compared with the one derived from the secret, so a keystore whose
 * header belongs to another key, or an Ethereum validator (BLS12-381) keystore, is refused.
 */

import {
  type BlsKeyPair,
  BN254_P,
  BN254_R,
  blsKeyPairFromPrivateKey,
  type G1Point,
  type G2Point,
  generateBlsPrivateKey,
  initBn254,
} from '../bn254/index.js'
import type { ScryptParams } from './deriveKeystoreKey.js'
import { decryptEip2335Keystore } from './eip2335Keystore.js'
import { InvalidKeystoreError } from './keystoreErrors.js'
import { createKeystoreJsonReader } from './keystoreJson.js'
import { decryptSecretV3, encryptSecretV3, type Web3CryptoJson } from './web3SecretStorage.js'

/** eigensdk-go's `encryptedBLSKeyJSONV3`. */
export type EigensdkBlsKeystoreJson = {
  pubKey: string
  crypto: Web3CryptoJson
}

export type BlsKeystoreFormat = 'eigensdk' | 'eip2335'

export type CreateBlsKeystoreParameters = {
  password: string
  /** A scalar in [1, r). A new random key when omitted. */
  privateKey?: bigint | undefined
  /** Defaults to geth's standard scrypt parameters (what eigensdk-go uses); `lightScryptParams` for tests. */
  scrypt?: ScryptParams | undefined
}

export type CreateBlsKeystoreReturnType = {
  keystore: EigensdkBlsKeystoreJson
  /** The encrypted key and its public keys; never log `keyPair.privateKey`. */
  keyPair: BlsKeyPair
}

/**
 * Encrypts a BN254 BLS private key (a new random one unless given) into an eigensdk-go keystore.
 *
 * @example
 * const { keystore, keyPair } = await createBlsKeystore({ password })
 * await writeKeystoreFile('operator.bls.key.json', keystore)
 */
export async function createBlsKeystore(parameters: CreateBlsKeystoreParameters): Promise<CreateBlsKeystoreReturnType> {
  await initBn254()
  const keyPair = blsKeyPairFromPrivateKey(parameters.privateKey ?? generateBlsPrivateKey())
  const secret = Buffer.from(keyPair.privateKey.toString(16).padStart(64, '0'), 'hex')
  const crypto = await encryptSecretV3(secret, parameters.password, { scrypt: parameters.scrypt })
  secret.fill(0)
  return { keystore: { pubKey: formatEigensdkG1(keyPair.g1), crypto }, keyPair }
}

export type DecryptBlsKeystoreReturnType = {
  /** Never log `keyPair.privateKey`. */
  keyPair: BlsKeyPair
  format: BlsKeystoreFormat
}

/**
 * Opens a BLS keystore in either format (detected from its fields). Throws `WrongPasswordError` ("wrong
 * password for keystore <source>") or `InvalidKeystoreError` naming the malformed field.
 */
export async function decryptBlsKeystore(
  keystore: unknown,
  password: string,
  options: { source?: string | undefined } = {},
): Promise<DecryptBlsKeystoreReturnType> {
  const source = options.source ?? 'BLS keystore'
  const read = createKeystoreJsonReader(source)
  const json = read.object(keystore, '(root)')
  if (json.version === 4 || (json.crypto !== null && typeof json.crypto === 'object' && 'checksum' in json.crypto)) {
    return { keyPair: await decryptEip2335Bls(json, password, source), format: 'eip2335' }
  }

  const storedG1 = parseEigensdkG1(read.string(json.pubKey, 'pubKey'), source)
  await initBn254()
  const secret = await decryptSecretV3(json.crypto, password, { source })
  const keyPair = keyPairFromSecret(secret, source, 'crypto.ciphertext')
  if (storedG1.x !== keyPair.g1.x || storedG1.y !== keyPair.g1.y) {
    throw new InvalidKeystoreError(source, 'does not match the decrypted key', { field: 'pubKey' })
  }
  return { keyPair, format: 'eigensdk' }
}

async function decryptEip2335Bls(json: unknown, password: string, source: string): Promise<BlsKeyPair> {
  const read = createKeystoreJsonReader(source)
  const root = read.object(json, '(root)')
  // Refuse other curves before spending a KDF run on them.
  if (root.curve !== undefined) read.oneOf(root.curve, 'curve', ['bn254'])
  else if (typeof root.pubkey === 'string' && root.pubkey.replace(/^0x/i, '').length === 96) {
    throw new InvalidKeystoreError(
      source,
      'is a 48-byte BLS12-381 key (an Ethereum validator keystore); avskit needs a BN254 key',
      {
        field: 'pubkey',
      },
    )
  }
  await initBn254()
  const { secret, pubkey } = await decryptEip2335Keystore(json, password, { source })
  const keyPair = keyPairFromSecret(secret, source, 'crypto.cipher.message')
  if (pubkey !== undefined && pubkey !== '' && !gnarkCompressedG2MatchesX(pubkey, keyPair.g2)) {
    throw new InvalidKeystoreError(source, 'does not match the decrypted key', { field: 'pubkey' })
  }
  return keyPair
}

/** Secret bytes → key pair, reducing modulo r as gnark's `fr.Element.SetBytes` does. */
function keyPairFromSecret(secret: Uint8Array, source: string, field: string): BlsKeyPair {
  if (secret.length !== 32) {
    secret.fill(0)
    throw new InvalidKeystoreError(source, `decrypts to ${secret.length} bytes, expected a 32-byte BLS private key`, {
      field,
    })
  }
  const sk = bytesToBigint(secret) % BN254_R
  secret.fill(0)
  if (sk === 0n) throw new InvalidKeystoreError(source, 'decrypts to the zero key', { field })
  return blsKeyPairFromPrivateKey(sk)
}

/** gnark-crypto's `G1Affine.String()`: `E([x,y])` in decimal, as eigensdk-go stores `pubKey`. */
export function formatEigensdkG1(point: G1Point): string {
  return `E([${point.x},${point.y}])`
}

const eigensdkG1Pattern = /^E\(\[\s*([0-9]+)\s*,\s*([0-9]+)\s*\]\)$/

/** Parses `E([x,y])` (coordinates below p); the error names the source and field. */
export function parseEigensdkG1(text: string, source: string, field = 'pubKey'): G1Point {
  const match = eigensdkG1Pattern.exec(text.trim())
  const x = match?.[1] === undefined ? undefined : BigInt(match[1])
  const y = match?.[2] === undefined ? undefined : BigInt(match[2])
  if (x === undefined || y === undefined || x >= BN254_P || y >= BN254_P) {
    throw new InvalidKeystoreError(source, 'expected a G1 point written "E([x,y])" with decimal coordinates below p', {
      field,
    })
  }
  return { x, y }
}

/**
 * Whether gnark's compressed G2 encoding `hex` (64 bytes: X.A1 ‖ X.A0, flag in the top two bits) has the
 * x-coordinate of `g2` and a "compressed, not infinity" flag. The y sign bit is not compared: the two points
 * with one x are ±P, i.e. keys sk and r − sk, which no tool confuses.
 */
function gnarkCompressedG2MatchesX(hex: string, g2: G2Point): boolean {
  if (!/^[0-9a-fA-F]{128}$/.test(hex)) return false
  const bytes = Buffer.from(hex, 'hex')
  const flag = (bytes[0] as number) & 0xc0
  if (flag !== 0x80 && flag !== 0xc0) return false
  bytes[0] = (bytes[0] as number) & 0x3f
  const imaginary = bytesToBigint(bytes.subarray(0, 32))
  const real = bytesToBigint(bytes.subarray(32, 64))
  return imaginary === g2.x[0] && real === g2.x[1]
}

function bytesToBigint(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt(`0x${Buffer.from(bytes).toString('hex')}`)
}
