import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { createBlsKeystore } from './blsKeystore.js'
import { lightScryptParams } from './deriveKeystoreKey.js'
import { createEcdsaKeystore } from './ecdsaKeystore.js'
import { InvalidKeystoreError, WrongPasswordError } from './keystoreErrors.js'
import {
  decryptKeystoreFile,
  detectKeystoreFormat,
  readBlsKeystoreFile,
  readEcdsaKeystoreFile,
  readKeystoreFile,
  writeKeystoreFile,
} from './keystoreFile.js'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'avskit-keystore-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('writeKeystoreFile', () => {
  test('writes mode 0600 and creates missing folders', async () => {
    const { keystore } = await createEcdsaKeystore({ password: 'pw', scrypt: lightScryptParams })
    const path = join(dir, 'nested', 'keys', 'op.ecdsa.key.json')
    await writeKeystoreFile(path, keystore)
    expect((await stat(path)).mode & 0o777).toBe(0o600)
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual(keystore)
  })

  test('refuses to overwrite an existing file unless asked', async () => {
    const path = join(dir, 'k.json')
    const first = await createEcdsaKeystore({ password: 'pw', scrypt: lightScryptParams })
    const second = await createEcdsaKeystore({ password: 'pw', scrypt: lightScryptParams })
    await writeKeystoreFile(path, first.keystore)
    await expect(writeKeystoreFile(path, second.keystore)).rejects.toThrow(`keystore ${path} already exists`)
    expect((await readEcdsaKeystoreFile(path, 'pw')).address).toBe(first.address)

    await writeKeystoreFile(path, second.keystore, { overwrite: true })
    expect((await readEcdsaKeystoreFile(path, 'pw')).address).toBe(second.address)
    expect((await stat(path)).mode & 0o777).toBe(0o600)
  })
})

describe('readKeystoreFile / decryptKeystoreFile', () => {
  test('detects each format and decrypts it', async () => {
    const ecdsa = await createEcdsaKeystore({ password: 'a', scrypt: lightScryptParams })
    const bls = await createBlsKeystore({ password: 'b', scrypt: lightScryptParams })
    await writeKeystoreFile(join(dir, 'e.json'), ecdsa.keystore)
    await writeKeystoreFile(join(dir, 'b.json'), bls.keystore)

    expect(await readKeystoreFile(join(dir, 'e.json'))).toMatchObject({ format: 'web3-v3', keyType: 'ecdsa' })
    expect(await readKeystoreFile(join(dir, 'b.json'))).toMatchObject({ format: 'eigensdk-bls', keyType: 'bls' })

    const e = await decryptKeystoreFile(join(dir, 'e.json'), 'a')
    expect(e.keyType === 'ecdsa' && e.privateKey).toBe(ecdsa.privateKey)
    const b = await decryptKeystoreFile(join(dir, 'b.json'), 'b')
    expect(b.keyType === 'bls' && b.keyPair.privateKey).toBe(bls.keyPair.privateKey)
  })

  test('detects EIP-2335 by version 4 or its modules', () => {
    expect(detectKeystoreFormat({ version: 4, crypto: {} }, 'x')).toBe('eip2335')
    expect(detectKeystoreFormat({ crypto: { kdf: {}, checksum: {}, cipher: {} } }, 'x')).toBe('eip2335')
    expect(() => detectKeystoreFormat({ crypto: {} }, 'x.json')).toThrow(
      'invalid keystore x.json: has an unknown format',
    )
  })

  test('a wrong password names the file', async () => {
    const path = join(dir, 'op.bls.key.json')
    await writeKeystoreFile(path, (await createBlsKeystore({ password: 'right', scrypt: lightScryptParams })).keystore)
    const error = await readBlsKeystoreFile(path, 'wrong').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(WrongPasswordError)
    expect((error as Error).message).toBe(`wrong password for keystore ${path}`)
    expect((error as Error).message).not.toContain('wrong password for keystore wrong')
  })

  test('refuses a key of the other type', async () => {
    const path = join(dir, 'e.json')
    await writeKeystoreFile(path, (await createEcdsaKeystore({ password: 'a', scrypt: lightScryptParams })).keystore)
    await expect(readBlsKeystoreFile(path, 'a')).rejects.toThrow(
      `invalid keystore ${path}: holds an ECDSA key (Web3 Secret Storage v3); expected a BLS keystore`,
    )
  })

  test('corrupt JSON names the file', async () => {
    const path = join(dir, 'broken.json')
    await writeFile(path, '{"version": 3, "crypto": {')
    const error = await readKeystoreFile(path).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InvalidKeystoreError)
    expect((error as Error).message).toMatch(new RegExp(`^invalid keystore ${path}: is not valid JSON`))
  })

  test('a damaged field names the file and the field', async () => {
    const path = join(dir, 'damaged.json')
    const { keystore } = await createEcdsaKeystore({ password: 'a', scrypt: lightScryptParams })
    await writeFile(
      path,
      JSON.stringify({
        ...keystore,
        crypto: { ...keystore.crypto, kdfparams: { ...keystore.crypto.kdfparams, salt: null } },
      }),
    )
    await expect(readEcdsaKeystoreFile(path, 'a')).rejects.toThrow(
      `invalid keystore ${path}: field "crypto.kdfparams.salt" expected a hex string, got null`,
    )
  })

  test('a missing file is reported with its path', async () => {
    await expect(readKeystoreFile(join(dir, 'nope.json'))).rejects.toThrow(
      `cannot read keystore ${join(dir, 'nope.json')} (ENOENT)`,
    )
  })
})
