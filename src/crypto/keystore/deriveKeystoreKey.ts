/**
 * The password-based key derivation both keystore formats use: scrypt (RFC 7914) or PBKDF2-HMAC-SHA256
 * (RFC 8018), with the parameters stored in the file.
 *
 * scrypt runs in OpenSSL (node:crypto, on the libuv pool, so the event loop keeps running). OpenSSL enforces
 * RFC 7914's N < 2^(16·r); some published keystores break it (the Web3 Secret Storage test vector uses
 * N = 2^18 with r = 1, which geth accepts), so those fall back to @noble/hashes' scrypt, which does not.
 *
 * Parameters come from untrusted files, so they are bounded: a crafted keystore must not allocate gigabytes
 * or spin for minutes before the password is even checked.
 */
import { pbkdf2, scrypt } from 'node:crypto'
import { promisify } from 'node:util'
import { scryptAsync } from '@noble/hashes/scrypt.js'

export type ScryptParams = {
  /** CPU/memory cost, a power of two. */
  n: number
  /** Block size. */
  r: number
  /** Parallelisation. */
  p: number
}

/** geth's `StandardScryptN/P` (r = 8): about 256 MiB and ~0.5 s per derivation. What eigensdk-go writes. */
export const standardScryptParams: ScryptParams = { n: 1 << 18, r: 8, p: 1 }
/** geth's `LightScryptN/P` (r = 8): 4 MiB and a few ms. For tests and throwaway devnet keys. */
export const lightScryptParams: ScryptParams = { n: 1 << 12, r: 8, p: 6 }

export type KdfSpec =
  | ({ function: 'scrypt'; dklen: number; salt: Uint8Array } & ScryptParams)
  | { function: 'pbkdf2'; prf: 'hmac-sha256'; c: number; dklen: number; salt: Uint8Array }

/** Bounds applied when reading a keystore. */
export const kdfLimits = {
  scryptMaxN: 1 << 20,
  scryptMaxR: 32,
  scryptMaxP: 16,
  /** 128·N·r bytes of scrypt working memory. */
  scryptMaxMemory: 1 << 30,
  pbkdf2MaxC: 10_000_000,
  minDklen: 32,
  maxDklen: 64,
} as const

const scryptNode = promisify(scrypt) as (
  password: Uint8Array,
  salt: Uint8Array,
  keylen: number,
  options: { N: number; r: number; p: number; maxmem: number },
) => Promise<Buffer>
const pbkdf2Node = promisify(pbkdf2)

/** Derives the keystore's decryption key from the password bytes. */
export async function deriveKeystoreKey(password: Uint8Array, kdf: KdfSpec): Promise<Uint8Array> {
  if (kdf.function === 'pbkdf2') {
    return new Uint8Array(await pbkdf2Node(password, kdf.salt, kdf.c, kdf.dklen, 'sha256'))
  }
  const { n, r, p, dklen, salt } = kdf
  const openSslAccepts = 16 * r >= 53 || n < 2 ** (16 * r)
  if (openSslAccepts) {
    const maxmem = 128 * r * (n + p + 2) + (1 << 20)
    return new Uint8Array(await scryptNode(password, salt, dklen, { N: n, r, p, maxmem }))
  }
  return scryptAsync(password, salt, { N: n, r, p, dkLen: dklen, maxmem: 128 * r * (n + p + 2) + (1 << 20) })
}

export function isPowerOfTwo(n: number): boolean {
  return Number.isSafeInteger(n) && n > 1 && (n & (n - 1)) === 0
}
