import { describe, expect, test } from 'vitest'
import { decryptEip2335Keystore, normalizeEip2335Password } from './eip2335Keystore.js'
import { InvalidKeystoreError, WrongPasswordError } from './keystoreErrors.js'

/**
 * EIP-2335 § "Test Cases" (ethereum/ERCs ERCS/erc-2335.md): password "𝔱𝔢𝔰𝔱𝔭𝔞𝔰𝔰𝔴𝔬𝔯𝔡🔑", whose NFKD form is
 * "testpassword🔑" = 0x7465737470617373776f7264f09f9491, secret 0x000000000019d668…8ce26f.
 */
const eip2335Password = '𝔱𝔢𝔰𝔱𝔭𝔞𝔰𝔰𝔴𝔬𝔯𝔡🔑'
const eip2335Secret = '000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f'
const eip2335Scrypt = {
  crypto: {
    kdf: {
      function: 'scrypt',
      params: {
        dklen: 32,
        n: 262144,
        p: 1,
        r: 8,
        salt: 'd4e56740f876aef8c010b86a40d5f56745a118d0906a34e69aec8c0db1cb8fa3',
      },
      message: '',
    },
    checksum: {
      function: 'sha256',
      params: {},
      message: 'd2217fe5f3e9a1e34581ef8a78f7c9928e436d36dacc5e846690a5581e8ea484',
    },
    cipher: {
      function: 'aes-128-ctr',
      params: { iv: '264daa3f303d7259501c93d997d84fe6' },
      message: '06ae90d55fe0a6e9c5c3bc5b170827b2e5cce3929ed3f116c2811e6366dfe20f',
    },
  },
  description: 'This is a test keystore that uses scrypt to secure the secret.',
  pubkey: '9612d7a727c9d0a22e185a1c768478dfe919cada9266988cb32359c11f2b7b27f4ae4040902382ae2910c15e2b420d07',
  path: 'm/12381/60/3141592653/589793238',
  uuid: '1d85ae20-35c5-4611-98e8-aa14a633906f',
  version: 4,
}
const eip2335Pbkdf2 = {
  crypto: {
    kdf: {
      function: 'pbkdf2',
      params: {
        dklen: 32,
        c: 262144,
        prf: 'hmac-sha256',
        salt: 'd4e56740f876aef8c010b86a40d5f56745a118d0906a34e69aec8c0db1cb8fa3',
      },
      message: '',
    },
    checksum: {
      function: 'sha256',
      params: {},
      message: '8a9f5d9912ed7e75ea794bc5a89bca5f193721d30868ade6f73043c6ea6febf1',
    },
    cipher: {
      function: 'aes-128-ctr',
      params: { iv: '264daa3f303d7259501c93d997d84fe6' },
      message: 'cee03fde2af33149775b7223e7845e4fb2c8ae1792e5f99fe9ecf474cc8c16ad',
    },
  },
  description: 'This is a test keystore that uses PBKDF2 to secure the secret.',
  pubkey: '9612d7a727c9d0a22e185a1c768478dfe919cada9266988cb32359c11f2b7b27f4ae4040902382ae2910c15e2b420d07',
  path: 'm/12381/60/0/0',
  uuid: '64625def-3331-4eea-ab6f-782f3ed16a83',
  version: 4,
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex')

describe('normalizeEip2335Password', () => {
  test('encodes the EIP test password as its published bytes', () => {
    expect(hex(normalizeEip2335Password(eip2335Password))).toBe('7465737470617373776f7264f09f9491')
  })

  test('strips C0, DEL and C1 control codes but keeps spaces', () => {
    expect(new TextDecoder().decode(normalizeEip2335Password('a\u0000b\tc\u007fd\u0085e f\u009f'))).toBe('abcde f')
  })
})

describe('decryptEip2335Keystore', () => {
  test.each([
    ['scrypt', eip2335Scrypt],
    ['pbkdf2', eip2335Pbkdf2],
  ])('decrypts the EIP-2335 %s test vector', async (_kdf, keystore) => {
    const result = await decryptEip2335Keystore(keystore, eip2335Password, { source: 'v.json' })
    expect(hex(result.secret)).toBe(eip2335Secret)
    expect(result.pubkey).toBe(keystore.pubkey)
    expect(result.path).toBe(keystore.path)
    expect(result.uuid).toBe(keystore.uuid)
  })

  test('a wrong password fails the checksum with WrongPasswordError', async () => {
    const error = await decryptEip2335Keystore(eip2335Pbkdf2, 'testpassword', { source: 'v.json' }).catch(
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(WrongPasswordError)
    expect((error as Error).message).toBe('wrong password for keystore v.json')
  })

  test.each([
    [
      'crypto.checksum.function',
      { ...eip2335Pbkdf2.crypto, checksum: { ...eip2335Pbkdf2.crypto.checksum, function: 'keccak256' } },
    ],
    [
      'crypto.kdf.params.c',
      {
        ...eip2335Pbkdf2.crypto,
        kdf: { ...eip2335Pbkdf2.crypto.kdf, params: { dklen: 32, prf: 'hmac-sha256', salt: 'aa' } },
      },
    ],
    ['crypto.cipher.params.iv', { ...eip2335Pbkdf2.crypto, cipher: { ...eip2335Pbkdf2.crypto.cipher, params: {} } }],
    ['crypto.cipher', { ...eip2335Pbkdf2.crypto, cipher: undefined }],
  ])('names the malformed field %s', async (field, crypto) => {
    const error = await decryptEip2335Keystore({ ...eip2335Pbkdf2, crypto }, eip2335Password, {
      source: 'v.json',
    }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InvalidKeystoreError)
    expect((error as InvalidKeystoreError).field).toBe(field)
  })
})
