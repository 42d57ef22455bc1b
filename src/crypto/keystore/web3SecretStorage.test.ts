import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { InvalidInputError } from '../../core/errors.js'
import { InvalidKeystoreError, WrongPasswordError } from './keystoreErrors.js'
import { decryptSecretV3, encryptSecretV3 } from './web3SecretStorage.js'

/**
 * Test vectors of the Web3 Secret Storage Definition, section "Test Vectors" (ethereum wiki; the same JSON is
 * go-ethereum's accounts/keystore/testdata/v3_test_vector.json as "wikipage_test_vector_scrypt/pbkdf2").
 * Password "testpassword", secret 7a28b5ba…14fe9d. The scrypt one uses n = 2^18 with r = 1, which OpenSSL refuses
 * (RFC 7914 wants n < 2^(16·r)), so it also exercises the fallback scrypt.
 */
const wikiSecret = '7a28b5ba57c53603b0b07b56bba752f7784bf506fa95edc395f5cf6c7514fe9d'
const wikiPbkdf2 = {
  cipher: 'aes-128-ctr',
  cipherparams: { iv: '6087dab2f9fdbbfaddc31a909735c1e6' },
  ciphertext: '5318b4d5bcd28de64ee5559e671353e16f075ecae9f99c7a79a38af5f869aa46',
  kdf: 'pbkdf2',
  kdfparams: {
    c: 262144,
    dklen: 32,
    prf: 'hmac-sha256',
    salt: 'ae3cd4e7013836a3df6bd7241b12db061dbe2c6785853cce422d148a624ce0bd',
  },
  mac: '517ead924a9d0dc3124507e3393d175ce3ff7c1e96529c6c555ce9e51205e9b2',
}
const wikiScrypt = {
  cipher: 'aes-128-ctr',
  cipherparams: { iv: '83dbcc02d8ccb40e466191a123791e0e' },
  ciphertext: 'd172bf743a674da9cdad04534d56926ef8358534d458fffccd4e6ad2fbde479c',
  kdf: 'scrypt',
  kdfparams: {
    dklen: 32,
    n: 262144,
    r: 1,
    p: 8,
    salt: 'ab0c7876052600dd703518d6fc3fe8984592145b591fc8fb5c6d43190334ba19',
  },
  mac: '2103ac29920d71da29f15d75b4a16dbe95cfd7ff8faea1056c33131d846e3097',
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex')
const tiny = { n: 16, r: 1, p: 1 }

describe('decryptSecretV3', () => {
  test('decrypts the Web3 Secret Storage PBKDF2 test vector', async () => {
    expect(hex(await decryptSecretV3(wikiPbkdf2, 'testpassword', { source: 'wiki' }))).toBe(wikiSecret)
  })

  test('decrypts the Web3 Secret Storage scrypt test vector (n = 2^18, r = 1)', async () => {
    expect(hex(await decryptSecretV3(wikiScrypt, 'testpassword', { source: 'wiki' }))).toBe(wikiSecret)
  })

  test('throws WrongPasswordError naming the keystore when the MAC does not match', async () => {
    const error = await decryptSecretV3(wikiPbkdf2, 'testpassword!', { source: '/keys/a.json' }).catch(
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(WrongPasswordError)
    expect(error).toBeInstanceOf(InvalidInputError)
    expect((error as Error).message).toBe('wrong password for keystore /keys/a.json')
  })

  test.each([
    ['crypto.kdfparams.salt', { ...wikiPbkdf2, kdfparams: { ...wikiPbkdf2.kdfparams, salt: 42 } }],
    ['crypto.kdfparams.c', { ...wikiPbkdf2, kdfparams: { ...wikiPbkdf2.kdfparams, c: 0 } }],
    ['crypto.kdfparams.prf', { ...wikiPbkdf2, kdfparams: { ...wikiPbkdf2.kdfparams, prf: 'hmac-sha1' } }],
    ['crypto.cipherparams.iv', { ...wikiPbkdf2, cipherparams: { iv: 'abcd' } }],
    ['crypto.mac', { ...wikiPbkdf2, mac: 'zz' }],
    ['crypto.cipher', { ...wikiPbkdf2, cipher: 'aes-256-gcm' }],
    ['crypto.kdf', { ...wikiPbkdf2, kdf: 'argon2' }],
    ['crypto.kdfparams.n', { ...wikiScrypt, kdfparams: { ...wikiScrypt.kdfparams, n: 1000 } }],
    ['crypto.kdfparams.n', { ...wikiScrypt, kdfparams: { ...wikiScrypt.kdfparams, n: 2 ** 24 } }],
    ['crypto.kdfparams.dklen', { ...wikiScrypt, kdfparams: { ...wikiScrypt.kdfparams, dklen: 16 } }],
    ['crypto.ciphertext', { ...wikiScrypt, ciphertext: undefined }],
  ])('names the malformed field %s', async (field, crypto) => {
    const error = await decryptSecretV3(crypto, 'x', { source: '/keys/a.json' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InvalidKeystoreError)
    expect((error as InvalidKeystoreError).field).toBe(field)
    expect((error as Error).message).toContain('invalid keystore /keys/a.json: field')
    expect((error as Error).message).toContain(field)
  })
})

describe('encryptSecretV3', () => {
  test('reproduces the scrypt test vector from its salt and IV', async () => {
    const crypto = await encryptSecretV3(Buffer.from(wikiSecret, 'hex'), 'testpassword', {
      scrypt: { n: 262144, r: 1, p: 8 },
      salt: Buffer.from(wikiScrypt.kdfparams.salt, 'hex'),
      iv: Buffer.from(wikiScrypt.cipherparams.iv, 'hex'),
    })
    expect(crypto.ciphertext).toBe(wikiScrypt.ciphertext)
    expect(crypto.mac).toBe(wikiScrypt.mac)
    expect(crypto.kdfparams).toEqual(wikiScrypt.kdfparams)
  })

  test('round-trips any secret and password', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 1, maxLength: 64 }),
        fc.string({ unit: 'grapheme' }),
        async (secret, password) => {
          const crypto = await encryptSecretV3(secret, password, { scrypt: tiny })
          expect(hex(await decryptSecretV3(crypto, password, { source: 'x' }))).toBe(hex(secret))
          await expect(decryptSecretV3(crypto, `${password}x`, { source: 'x' })).rejects.toBeInstanceOf(
            WrongPasswordError,
          )
        },
      ),
      { numRuns: 25 },
    )
  })

  test('uses a fresh salt and IV each time', async () => {
    const secret = new Uint8Array(32).fill(7)
    const a = await encryptSecretV3(secret, 'pw', { scrypt: tiny })
    const b = await encryptSecretV3(secret, 'pw', { scrypt: tiny })
    expect(a.cipherparams.iv).not.toBe(b.cipherparams.iv)
    expect((a.kdfparams as { salt: string }).salt).not.toBe((b.kdfparams as { salt: string }).salt)
    expect(a.ciphertext).not.toBe(b.ciphertext)
  })

  test('rejects scrypt parameters out of range', async () => {
    await expect(encryptSecretV3(new Uint8Array(32), 'pw', { scrypt: { n: 1000, r: 8, p: 1 } })).rejects.toThrow(
      /scrypt parameters out of range/,
    )
  })
})
