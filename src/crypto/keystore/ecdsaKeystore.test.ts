import { describe, expect, test } from 'vitest'
import { lightScryptParams } from './deriveKeystoreKey.js'
import { createEcdsaKeystore, decryptEcdsaKeystore, parseEcdsaPrivateKey } from './ecdsaKeystore.js'
import { InvalidKeystoreError, WrongPasswordError } from './keystoreErrors.js'

/**
 * Layr-Labs/incredible-squaring-avs `tests/keys/test.ecdsa.key.json`, written by eigensdk-go with geth's
 * standard scrypt parameters and the empty password. It holds anvil's first dev account (a public test key).
 */
const incredibleSquaringEcdsa = {
  address: 'f39fd6e51aad88f6f4ce6ab8827279cfffb92266',
  crypto: {
    cipher: 'aes-128-ctr',
    ciphertext: '2a08ede4451ec4b2cc20a18644e9fa7445bb3068edb7a38d42033421ece75b6b',
    cipherparams: { iv: '43df109ecbd053dcdf0f32c770d41546' },
    kdf: 'scrypt',
    kdfparams: {
      dklen: 32,
      n: 262144,
      p: 1,
      r: 8,
      salt: '1c2f0d86aaa5baf483ba500c05975ad7943a4e47d60f79405163d82dc6827414',
    },
    mac: '20ec8e9f945bd4a7903b12cfa0bca39e9379e0fca4299826627a22334fe2b668',
  },
  id: '0d37e378-3409-476a-bd29-31e99b3a2d04',
  version: 3,
}
const anvilKey0 = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80'

describe('decryptEcdsaKeystore', () => {
  test('opens the incredible-squaring-avs keystore (eigensdk-go, standard scrypt)', async () => {
    const { privateKey, address } = await decryptEcdsaKeystore(incredibleSquaringEcdsa, '')
    expect(privateKey).toBe(anvilKey0)
    expect(address).toBe('0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266')
  })

  test('refuses a keystore whose address field belongs to another key', async () => {
    const { keystore } = await createEcdsaKeystore({ password: 'pw', scrypt: lightScryptParams })
    const tampered = { ...keystore, address: '70997970c51812dc3a010c7d01b50e0d17dc79c8' }
    const error = await decryptEcdsaKeystore(tampered, 'pw', { source: 'k.json' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InvalidKeystoreError)
    expect((error as InvalidKeystoreError).field).toBe('address')
  })

  test('accepts the capitalised "Crypto" of old wallets', async () => {
    const { keystore, privateKey } = await createEcdsaKeystore({ password: 'pw', scrypt: lightScryptParams })
    const { crypto, ...rest } = keystore
    expect((await decryptEcdsaKeystore({ ...rest, Crypto: crypto }, 'pw')).privateKey).toBe(privateKey)
  })

  test('refuses another version', async () => {
    const error = await decryptEcdsaKeystore({ ...incredibleSquaringEcdsa, version: 1 }, '', {
      source: 'k.json',
    }).catch((e: unknown) => e)
    expect((error as InvalidKeystoreError).field).toBe('version')
  })
})

describe('createEcdsaKeystore', () => {
  test('writes geth v3 fields: lowercase address without 0x, uuid v4 id, version 3', async () => {
    const { keystore, address } = await createEcdsaKeystore({
      password: 'pw',
      privateKey: anvilKey0,
      scrypt: lightScryptParams,
    })
    expect(keystore.address).toBe('f39fd6e51aad88f6f4ce6ab8827279cfffb92266')
    expect(address).toBe('0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266')
    expect(keystore.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(keystore.version).toBe(3)
    expect(keystore.crypto.kdf).toBe('scrypt')
    expect(keystore.crypto.kdfparams).toMatchObject({ dklen: 32, n: 4096, r: 8, p: 6 })
    expect(Object.keys(keystore)).toEqual(['address', 'crypto', 'id', 'version'])
  })

  test('defaults to geth standard scrypt parameters (n = 2^18, r = 8, p = 1)', async () => {
    const { keystore } = await createEcdsaKeystore({ password: 'pw', privateKey: anvilKey0 })
    expect(keystore.crypto.kdfparams).toMatchObject({ n: 262144, r: 8, p: 1 })
  })

  test('round-trips a random key', async () => {
    const created = await createEcdsaKeystore({ password: 'correct horse', scrypt: lightScryptParams })
    const opened = await decryptEcdsaKeystore(JSON.parse(JSON.stringify(created.keystore)), 'correct horse')
    expect(opened).toEqual({ privateKey: created.privateKey, address: created.address })
  })

  test('a wrong password fails with WrongPasswordError', async () => {
    const { keystore } = await createEcdsaKeystore({ password: 'right', scrypt: lightScryptParams })
    const error = await decryptEcdsaKeystore(keystore, 'wrong', { source: 'op.ecdsa.key.json' }).catch(
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(WrongPasswordError)
    expect((error as Error).message).toBe('wrong password for keystore op.ecdsa.key.json')
  })
})

describe('parseEcdsaPrivateKey', () => {
  test('accepts 64 hex digits with or without 0x', () => {
    expect(parseEcdsaPrivateKey(anvilKey0.slice(2).toUpperCase())).toBe(anvilKey0)
  })

  test.each([['0x1234'], [`0x${'0'.repeat(64)}`], [`0x${'f'.repeat(64)}`], ['not hex']])(
    'rejects %s without echoing it',
    (text) => {
      expect(() => parseEcdsaPrivateKey(text)).toThrow(/invalid ECDSA private key/)
      try {
        parseEcdsaPrivateKey(text)
      } catch (error) {
        expect((error as Error).message).not.toContain(text.slice(2))
      }
    },
  )
})
