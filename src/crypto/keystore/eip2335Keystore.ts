/**
 * Reading EIP-2335 keystores (version 4): the format of Ethereum validator keys, which eigenlayer-cli also
 * writes for BN254 BLS keys (via Layr-Labs/bn254-keystore-go, with an extra `"curve": "bn254"` field).
 *
 *   { "crypto": { "kdf":      { "function": "scrypt" | "pbkdf2", "params": {…, "salt"}, "message": "" },
 *                 "checksum": { "function": "sha256", "params": {}, "message": <hex> },
 *                 "cipher":   { "function": "aes-128-ctr", "params": { "iv" }, "message": <ciphertext hex> } },
 *     "pubkey": <hex>, "path": <EIP-2334 path or "">, "uuid": <uuid>, "version": 4 }
 *
 *   decryptionKey = kdf(normalise(password), salt)
 *   checksum      = sha256(decryptionKey[16:32] ‖ cipher.message)    (must equal checksum.message)
 *   secret        = AES-128-CTR(key = decryptionKey[0:16], iv, cipher.message)
 *
 * The password is normalised as EIP-2335 § "Password requirements" says: NFKD, then the C0 (0x00–0x1F),
 * DEL (0x7F) and C1 (0x80–0x9F) control codes are removed, then UTF-8.
 */
import { createDecipheriv, createHash, timingSafeEqual } from 'node:crypto'
import { deriveKeystoreKey } from './deriveKeystoreKey.js'
import { WrongPasswordError } from './keystoreErrors.js'
import { createKeystoreJsonReader } from './keystoreJson.js'
import { parseKdfParams } from './web3SecretStorage.js'

export type DecryptEip2335KeystoreReturnType = {
  /** The decrypted secret bytes; never log them. */
  secret: Uint8Array
  /** The public key as stored in the file (hex, no 0x), if any. Not verified here. */
  pubkey: string | undefined
  path: string
  uuid: string
  /** `curve` as Layr-Labs/bn254-keystore-go writes it (`bn254`, `bls12-381`); absent in plain EIP-2335. */
  curve: string | undefined
}

/** Verifies the checksum and decrypts an EIP-2335 keystore. */
export async function decryptEip2335Keystore(
  keystore: unknown,
  password: string,
  options: { source?: string | undefined } = {},
): Promise<DecryptEip2335KeystoreReturnType> {
  const source = options.source ?? 'EIP-2335 keystore'
  const read = createKeystoreJsonReader(source)
  const json = read.object(keystore, '(root)')
  read.integer(json.version, 'version', { min: 4, max: 4 })
  const crypto = read.object(json.crypto, 'crypto')

  const kdfModule = read.object(crypto.kdf, 'crypto.kdf')
  const kdfName = read.oneOf(kdfModule.function, 'crypto.kdf.function', ['scrypt', 'pbkdf2'])
  const kdf = parseKdfParams(read.object(kdfModule.params, 'crypto.kdf.params'), kdfName, 'crypto.kdf.params', source)

  const checksumModule = read.object(crypto.checksum, 'crypto.checksum')
  read.oneOf(checksumModule.function, 'crypto.checksum.function', ['sha256'])
  const checksum = read.hex(checksumModule.message, 'crypto.checksum.message', { bytes: 32 })

  const cipherModule = read.object(crypto.cipher, 'crypto.cipher')
  read.oneOf(cipherModule.function, 'crypto.cipher.function', ['aes-128-ctr'])
  const iv = read.hex(read.object(cipherModule.params, 'crypto.cipher.params').iv, 'crypto.cipher.params.iv', {
    bytes: 16,
  })
  const ciphertext = read.hex(cipherModule.message, 'crypto.cipher.message')

  const pubkey = json.pubkey === undefined ? undefined : read.string(json.pubkey, 'pubkey').replace(/^0x/i, '')
  const path = json.path === undefined ? '' : read.string(json.path, 'path')
  const uuid = json.uuid === undefined ? '' : read.string(json.uuid, 'uuid')
  const curve = json.curve === undefined ? undefined : read.string(json.curve, 'curve').toLowerCase()

  const decryptionKey = await deriveKeystoreKey(normalizeEip2335Password(password), kdf)
  try {
    const actual = createHash('sha256').update(decryptionKey.subarray(16, 32)).update(ciphertext).digest()
    if (!timingSafeEqual(actual, checksum)) throw new WrongPasswordError(source)
    const decipher = createDecipheriv('aes-128-ctr', decryptionKey.subarray(0, 16), iv)
    const secret = new Uint8Array(Buffer.concat([decipher.update(ciphertext), decipher.final()]))
    return { secret, pubkey, path, uuid, curve }
  } finally {
    decryptionKey.fill(0)
  }
}

// Unicode category Cc is exactly C0 (U+0000–001F), DEL (U+007F) and C1 (U+0080–009F): EIP-2335 "Control codes removal".
const controlCodes = /\p{Cc}/gu

/** EIP-2335 password bytes: NFKD, control codes stripped, UTF-8. */
export function normalizeEip2335Password(password: string): Uint8Array {
  return new TextEncoder().encode(password.normalize('NFKD').replace(controlCodes, ''))
}
