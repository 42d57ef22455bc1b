/**
 * Keystore files: read one and detect its format, decrypt it, and write new ones readable by the owner only
 * (mode 0600; eigensdk-go writes 0644, which leaves an encrypted key readable to every local user).
 *
 * Formats are told apart by their fields:
 *   - EIP-2335:            `version: 4` (or a `crypto.checksum` module)            → BLS
 *   - eigensdk-go BLS:     a `pubKey` string beside a v3 `crypto` section           → BLS
 *   - Web3 Secret Storage: `version: 3`                                            → ECDSA
 */
import { randomBytes } from 'node:crypto'
import { chmod, mkdir, open, readFile, rename, rm } from 'node:fs/promises'
import { dirname } from 'node:path'
import { InvalidInputError } from '../../core/errors.js'
import { type DecryptBlsKeystoreReturnType, decryptBlsKeystore } from './blsKeystore.js'
import { type DecryptEcdsaKeystoreReturnType, decryptEcdsaKeystore } from './ecdsaKeystore.js'
import { InvalidKeystoreError } from './keystoreErrors.js'
import { type JsonObject, parseKeystoreText } from './keystoreJson.js'

export type KeystoreFormat = 'web3-v3' | 'eigensdk-bls' | 'eip2335'
export type KeystoreKeyType = 'ecdsa' | 'bls'

export type KeystoreFile = {
  path: string
  format: KeystoreFormat
  keyType: KeystoreKeyType
  json: JsonObject
}

/** Which of the three formats a parsed keystore is in; `InvalidKeystoreError` when none fits. */
export function detectKeystoreFormat(json: JsonObject, source: string): KeystoreFormat {
  const crypto = json.crypto
  const hasModules = crypto !== null && typeof crypto === 'object' && 'checksum' in crypto && 'cipher' in crypto
  if (json.version === 4 || hasModules) return 'eip2335'
  if (typeof json.pubKey === 'string' && crypto !== undefined) return 'eigensdk-bls'
  if (json.version === 3) return 'web3-v3'
  throw new InvalidKeystoreError(source, 'has an unknown format', {
    metaMessages: [
      'Expected one of: a Web3 Secret Storage v3 ECDSA keystore ("version": 3), an eigensdk-go BLS keystore',
      '("pubKey" and "crypto"), or an EIP-2335 keystore ("version": 4).',
    ],
  })
}

export function keyTypeOfFormat(format: KeystoreFormat): KeystoreKeyType {
  return format === 'web3-v3' ? 'ecdsa' : 'bls'
}

/** Reads and parses a keystore file and detects its format, without decrypting it. */
export async function readKeystoreFile(path: string): Promise<KeystoreFile> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    throw new InvalidInputError(`cannot read keystore ${path}${code ? ` (${code})` : ''}`, { cause: err })
  }
  const json = parseKeystoreText(text, path)
  const format = detectKeystoreFormat(json, path)
  return { path, format, keyType: keyTypeOfFormat(format), json }
}

export type DecryptKeystoreFileReturnType =
  | ({ keyType: 'ecdsa' } & DecryptEcdsaKeystoreReturnType)
  | ({ keyType: 'bls' } & DecryptBlsKeystoreReturnType)

/** Reads, detects and decrypts any supported keystore file. */
export async function decryptKeystoreFile(path: string, password: string): Promise<DecryptKeystoreFileReturnType> {
  const file = await readKeystoreFile(path)
  if (file.keyType === 'ecdsa')
    return { keyType: 'ecdsa', ...(await decryptEcdsaKeystore(file.json, password, { source: path })) }
  return { keyType: 'bls', ...(await decryptBlsKeystore(file.json, password, { source: path })) }
}

/** Reads an ECDSA keystore file; refuses a BLS one with a clear message. */
export async function readEcdsaKeystoreFile(path: string, password: string): Promise<DecryptEcdsaKeystoreReturnType> {
  const file = await readKeystoreFile(path)
  if (file.keyType !== 'ecdsa') throw wrongKeyType(path, file.format, 'an ECDSA')
  return decryptEcdsaKeystore(file.json, password, { source: path })
}

/** Reads a BLS keystore file (eigensdk-go or EIP-2335); refuses an ECDSA one with a clear message. */
export async function readBlsKeystoreFile(path: string, password: string): Promise<DecryptBlsKeystoreReturnType> {
  const file = await readKeystoreFile(path)
  if (file.keyType !== 'bls') throw wrongKeyType(path, file.format, 'a BLS')
  return decryptBlsKeystore(file.json, password, { source: path })
}

function wrongKeyType(path: string, format: KeystoreFormat, expected: string): InvalidKeystoreError {
  const holds = format === 'web3-v3' ? 'an ECDSA key (Web3 Secret Storage v3)' : `a BLS key (${format})`
  return new InvalidKeystoreError(path, `holds ${holds}; expected ${expected} keystore`)
}

export type WriteKeystoreFileOptions = {
  /** Replace an existing file (atomically, via a temporary file and rename). Default false: refuse. */
  overwrite?: boolean | undefined
}

/**
 * Writes a keystore as JSON with mode 0600, creating missing parent folders (0700). Refuses to replace an
 * existing file unless `overwrite` is set: losing a key file loses the key.
 */
export async function writeKeystoreFile(
  path: string,
  keystore: object,
  options: WriteKeystoreFileOptions = {},
): Promise<void> {
  const text = `${JSON.stringify(keystore, null, 2)}\n`
  await mkdir(dirname(path), { recursive: true, mode: 0o700 })
  const target = options.overwrite ? `${path}.${randomBytes(6).toString('hex')}.tmp` : path
  let handle: Awaited<ReturnType<typeof open>>
  try {
    handle = await open(target, 'wx', 0o600)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'EEXIST') {
      throw new InvalidInputError(`keystore ${path} already exists; refusing to overwrite it`, { cause: err })
    }
    throw new InvalidInputError(`cannot write keystore ${path}${code ? ` (${code})` : ''}`, { cause: err })
  }
  try {
    await handle.writeFile(text, 'utf8')
    await handle.sync()
  } catch (err) {
    await handle.close()
    await rm(target, { force: true })
    throw new InvalidInputError(`cannot write keystore ${path}`, { cause: err })
  }
  await handle.close()
  // The mode given to open() is filtered by the umask; set it exactly.
  await chmod(target, 0o600)
  if (target !== path) await rename(target, path)
}
