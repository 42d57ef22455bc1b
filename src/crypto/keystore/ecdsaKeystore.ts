/**
 * ECDSA (secp256k1) keys in Web3 Secret Storage v3 — the `*.ecdsa.key.json` files geth, ethers, eigensdk-go
 * (`crypto/ecdsa.WriteKey`) and eigenlayer-cli write:
 *
 *   { "address": "<20 bytes, lowercase hex, no 0x>", "crypto": { …see web3SecretStorage.ts… },
 *     "id": "<uuid v4>", "version": 3 }
 *
 * On decryption the key's address is compared with the `address` field (as geth does), so a file whose
 * header was edited or mixed up with another key is refused instead of silently signing as someone else.
 */
import { randomUUID } from 'node:crypto'
import type { Address, Hex } from 'viem'
import { generatePrivateKey, privateKeyToAddress } from 'viem/accounts'
import { InvalidInputError } from '../../core/errors.js'
import type { ScryptParams } from './deriveKeystoreKey.js'
import { InvalidKeystoreError } from './keystoreErrors.js'
import { createKeystoreJsonReader } from './keystoreJson.js'
import { decryptSecretV3, encryptSecretV3, type Web3CryptoJson } from './web3SecretStorage.js'

export type EcdsaKeystoreJson = {
  address: string
  crypto: Web3CryptoJson
  id: string
  version: 3
}

export type CreateEcdsaKeystoreParameters = {
  password: string
  /** 32-byte hex (with or without 0x). A new random key when omitted. */
  privateKey?: string | undefined
  /** Defaults to geth's standard scrypt parameters; `lightScryptParams` for tests and devnets. */
  scrypt?: ScryptParams | undefined
}

export type CreateEcdsaKeystoreReturnType = {
  keystore: EcdsaKeystoreJson
  /** The key that was encrypted; never log it. */
  privateKey: Hex
  address: Address
}

/**
 * Encrypts an ECDSA private key (a new random one unless given) into a v3 keystore.
 *
 * @example
 * const { keystore, address } = await createEcdsaKeystore({ password, scrypt: lightScryptParams })
 * await writeKeystoreFile('operator.ecdsa.key.json', keystore)
 */
export async function createEcdsaKeystore(
  parameters: CreateEcdsaKeystoreParameters,
): Promise<CreateEcdsaKeystoreReturnType> {
  const privateKey =
    parameters.privateKey === undefined ? generatePrivateKey() : parseEcdsaPrivateKey(parameters.privateKey)
  const address = privateKeyToAddress(privateKey)
  const crypto = await encryptSecretV3(Buffer.from(privateKey.slice(2), 'hex'), parameters.password, {
    scrypt: parameters.scrypt,
  })
  return {
    keystore: { address: address.slice(2).toLowerCase(), crypto, id: randomUUID(), version: 3 },
    privateKey,
    address,
  }
}

export type DecryptEcdsaKeystoreReturnType = {
  /** Never log it. */
  privateKey: Hex
  address: Address
}

/**
 * Opens a v3 keystore (scrypt or pbkdf2). Throws `WrongPasswordError` ("wrong password for keystore
 * <source>") or `InvalidKeystoreError` naming the malformed field.
 */
export async function decryptEcdsaKeystore(
  keystore: unknown,
  password: string,
  options: { source?: string | undefined } = {},
): Promise<DecryptEcdsaKeystoreReturnType> {
  const source = options.source ?? 'ECDSA keystore'
  const read = createKeystoreJsonReader(source)
  const json = read.object(keystore, '(root)')
  read.integer(json.version, 'version', { min: 3, max: 3 })
  // Some older wallets wrote `Crypto`; geth and ethers accept both spellings.
  const cryptoField = json.crypto === undefined && json.Crypto !== undefined ? 'Crypto' : 'crypto'
  const expectedAddress = json.address === undefined ? undefined : read.hex(json.address, 'address', { bytes: 20 })
  const secret = await decryptSecretV3(json[cryptoField], password, { source, field: cryptoField })
  if (secret.length !== 32) {
    secret.fill(0)
    throw new InvalidKeystoreError(source, `decrypts to ${secret.length} bytes, expected a 32-byte private key`, {
      field: `${cryptoField}.ciphertext`,
    })
  }
  const privateKey = parseEcdsaPrivateKey(`0x${Buffer.from(secret).toString('hex')}`, source)
  secret.fill(0)
  const address = privateKeyToAddress(privateKey)
  if (expectedAddress && Buffer.from(expectedAddress).toString('hex') !== address.slice(2).toLowerCase()) {
    throw new InvalidKeystoreError(source, `does not match the decrypted key (its address is ${address})`, {
      field: 'address',
    })
  }
  return { privateKey, address }
}

const secp256k1Order = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n

/** Validates a secp256k1 private key given as hex; the error never repeats the key. */
export function parseEcdsaPrivateKey(text: string, source = 'the given key'): Hex {
  const hex = text.trim().replace(/^0x/i, '')
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) {
    throw new InvalidInputError(`invalid ECDSA private key (${source}): expected 32 bytes as 64 hex digits`)
  }
  const value = BigInt(`0x${hex}`)
  if (value === 0n || value >= secp256k1Order) {
    throw new InvalidInputError(`invalid ECDSA private key (${source}): expected 0 < key < the secp256k1 group order`)
  }
  return `0x${hex.toLowerCase()}`
}
