/**
 * The `crypto` section of a Web3 Secret Storage v3 keystore (the format geth, ethers and eigensdk-go write):
 *
 *   derivedKey = scrypt | pbkdf2(password, salt)            (kdf, kdfparams; dklen 32)
 *   ciphertext = AES-128-CTR(key = derivedKey[0:16], iv, secret)
 *   mac        = keccak256(derivedKey[16:32] ‖ ciphertext)
 *
 * The password is used as its UTF-8 bytes, unchanged (geth does not normalise it). The MAC is checked before
 * anything is decrypted, so a wrong password is reported as such and never yields a wrong key.
 *
 * Spec: "Web3 Secret Storage Definition" (ethereum wiki, version 3), including its test vectors.
 * eigensdk-go's BLS keystore embeds exactly this section (geth's `keystore.CryptoJSON`).
 */
import { createCipheriv, createDecipheriv, randomBytes, timingSafeEqual } from 'node:crypto'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { InvalidInputError } from '../../core/errors.js'
import {
  deriveKeystoreKey,
  isPowerOfTwo,
  type KdfSpec,
  kdfLimits,
  type ScryptParams,
  standardScryptParams,
} from './deriveKeystoreKey.js'
import { InvalidKeystoreError, WrongPasswordError } from './keystoreErrors.js'
import { createKeystoreJsonReader, type JsonObject } from './keystoreJson.js'

export type Web3ScryptParamsJson = { dklen: number; n: number; p: number; r: number; salt: string }
export type Web3Pbkdf2ParamsJson = { c: number; dklen: number; prf: 'hmac-sha256'; salt: string }

/** Field order follows geth's JSON so files written here diff cleanly against geth's. */
export type Web3CryptoJson = {
  cipher: 'aes-128-ctr'
  ciphertext: string
  cipherparams: { iv: string }
  kdf: 'scrypt' | 'pbkdf2'
  kdfparams: Web3ScryptParamsJson | Web3Pbkdf2ParamsJson
  mac: string
}

export type EncryptSecretV3Parameters = {
  /** Defaults to geth's standard parameters (n = 2^18, r = 8, p = 1). */
  scrypt?: ScryptParams | undefined
  /** Fixed salt (32 bytes) and IV (16 bytes): only for reproducing test vectors. Random by default. */
  salt?: Uint8Array | undefined
  iv?: Uint8Array | undefined
}

/** Encrypts `secret` into a v3 `crypto` section (scrypt + AES-128-CTR + keccak MAC). */
export async function encryptSecretV3(
  secret: Uint8Array,
  password: string,
  parameters: EncryptSecretV3Parameters = {},
): Promise<Web3CryptoJson> {
  const { n, r, p } = parameters.scrypt ?? standardScryptParams
  if (
    !isPowerOfTwo(n) ||
    n > kdfLimits.scryptMaxN ||
    r < 1 ||
    r > kdfLimits.scryptMaxR ||
    p < 1 ||
    p > kdfLimits.scryptMaxP
  ) {
    throw new InvalidInputError(
      `scrypt parameters out of range: expected n a power of two up to 2^20, r 1–32, p 1–16, got n=${n} r=${r} p=${p}`,
    )
  }
  const salt = parameters.salt ?? randomBytes(32)
  const iv = parameters.iv ?? randomBytes(16)
  const derivedKey = await deriveKeystoreKey(passwordBytesV3(password), {
    function: 'scrypt',
    n,
    r,
    p,
    dklen: 32,
    salt,
  })
  try {
    const cipher = createCipheriv('aes-128-ctr', derivedKey.subarray(0, 16), iv)
    const ciphertext = Buffer.concat([cipher.update(secret), cipher.final()])
    return {
      cipher: 'aes-128-ctr',
      ciphertext: ciphertext.toString('hex'),
      cipherparams: { iv: Buffer.from(iv).toString('hex') },
      kdf: 'scrypt',
      kdfparams: { dklen: 32, n, p, r, salt: Buffer.from(salt).toString('hex') },
      mac: Buffer.from(web3Mac(derivedKey, ciphertext)).toString('hex'),
    }
  } finally {
    derivedKey.fill(0)
  }
}

export type DecryptSecretV3Options = {
  /** Names the keystore in errors: its file path, or a description. */
  source: string
  /** Dotted path of the section inside the file, for error messages. Default `crypto`. */
  field?: string | undefined
}

/**
 * Checks the MAC and decrypts a v3 `crypto` section. Throws `WrongPasswordError` when the MAC does not match
 * and `InvalidKeystoreError` naming the field when the section is malformed.
 */
export async function decryptSecretV3(
  crypto: unknown,
  password: string,
  options: DecryptSecretV3Options,
): Promise<Uint8Array> {
  const { kdf, ciphertext, iv, mac } = parseWeb3Crypto(crypto, options)
  const derivedKey = await deriveKeystoreKey(passwordBytesV3(password), kdf)
  try {
    const expected = web3Mac(derivedKey, ciphertext)
    if (mac.length !== expected.length || !timingSafeEqual(mac, expected)) throw new WrongPasswordError(options.source)
    const decipher = createDecipheriv('aes-128-ctr', derivedKey.subarray(0, 16), iv)
    return new Uint8Array(Buffer.concat([decipher.update(ciphertext), decipher.final()]))
  } finally {
    derivedKey.fill(0)
  }
}

type ParsedWeb3Crypto = { kdf: KdfSpec; ciphertext: Uint8Array; iv: Uint8Array; mac: Uint8Array }

function parseWeb3Crypto(value: unknown, options: DecryptSecretV3Options): ParsedWeb3Crypto {
  const read = createKeystoreJsonReader(options.source)
  const at = options.field ?? 'crypto'
  const crypto = read.object(value, at)
  read.oneOf(crypto.cipher, `${at}.cipher`, ['aes-128-ctr'])
  const ciphertext = read.hex(crypto.ciphertext, `${at}.ciphertext`)
  if (ciphertext.length === 0) {
    throw new InvalidKeystoreError(options.source, 'is empty', { field: `${at}.ciphertext` })
  }
  const cipherparams = read.object(crypto.cipherparams, `${at}.cipherparams`)
  const iv = read.hex(cipherparams.iv, `${at}.cipherparams.iv`, { bytes: 16 })
  const mac = read.hex(crypto.mac, `${at}.mac`, { bytes: 32 })
  const kdfName = read.oneOf(crypto.kdf, `${at}.kdf`, ['scrypt', 'pbkdf2'])
  const kdf = parseKdfParams(
    read.object(crypto.kdfparams, `${at}.kdfparams`),
    kdfName,
    `${at}.kdfparams`,
    options.source,
  )
  return { kdf, ciphertext, iv, mac }
}

/** Reads and bounds KDF parameters; shared with EIP-2335, whose `kdf.params` use the same names. */
export function parseKdfParams(params: JsonObject, kdf: 'scrypt' | 'pbkdf2', at: string, source: string): KdfSpec {
  const read = createKeystoreJsonReader(source)
  const dklen = read.integer(params.dklen, `${at}.dklen`, { min: kdfLimits.minDklen, max: kdfLimits.maxDklen })
  const salt = read.hex(params.salt, `${at}.salt`)
  if (kdf === 'pbkdf2') {
    read.oneOf(params.prf, `${at}.prf`, ['hmac-sha256'])
    const c = read.integer(params.c, `${at}.c`, { min: 1, max: kdfLimits.pbkdf2MaxC })
    return { function: 'pbkdf2', prf: 'hmac-sha256', c, dklen, salt }
  }
  const n = read.integer(params.n, `${at}.n`, { min: 2, max: kdfLimits.scryptMaxN })
  if (!isPowerOfTwo(n)) {
    throw new InvalidKeystoreError(source, `expected a power of two, got the number ${n}`, { field: `${at}.n` })
  }
  const r = read.integer(params.r, `${at}.r`, { min: 1, max: kdfLimits.scryptMaxR })
  const p = read.integer(params.p, `${at}.p`, { min: 1, max: kdfLimits.scryptMaxP })
  if (128 * n * r > kdfLimits.scryptMaxMemory) {
    throw new InvalidKeystoreError(
      source,
      `scrypt n·r needs ${(128 * n * r) / 2 ** 20} MiB, more than the 1024 MiB allowed`,
      {
        field: `${at}.n`,
      },
    )
  }
  return { function: 'scrypt', n, r, p, dklen, salt }
}

function web3Mac(derivedKey: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  const body = new Uint8Array(16 + ciphertext.length)
  body.set(derivedKey.subarray(16, 32), 0)
  body.set(ciphertext, 16)
  return keccak_256(body)
}

function passwordBytesV3(password: string): Uint8Array {
  return new TextEncoder().encode(password)
}
