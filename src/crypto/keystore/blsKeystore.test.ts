import { beforeAll, describe, expect, test } from 'vitest'
import { blsKeyPairFromPrivateKey, initBn254 } from '../bn254/index.js'
import { createBlsKeystore, decryptBlsKeystore, formatEigensdkG1, parseEigensdkG1 } from './blsKeystore.js'
import { lightScryptParams } from './deriveKeystoreKey.js'
import { InvalidKeystoreError, WrongPasswordError } from './keystoreErrors.js'
import { encryptSecretV3 } from './web3SecretStorage.js'

/**
 * Two keystores written by eigensdk-go `bls.KeyPair.SaveToFile` (geth standard scrypt), from public repositories:
 * - Layr-Labs/eigensdk-go `crypto/bls/operator_keys_test_directory/test.bls.key.json`, left behind by
 *   attestation_test.go, whose password is "test";
 * - Layr-Labs/incredible-squaring-avs `tests/keys/test.bls.key.json`, used there with the empty password.
 * Decrypting them checks the scalar encoding and the "E([x,y])" pubKey against gnark's own output.
 */
const eigensdkTestKey = {
  pubKey:
    'E([5926317184925439151187795302636898395466174058057092923258039738351796578930,8089142686356639658893903961565109796481315873249662043487003602119643699529])',
  crypto: {
    cipher: 'aes-128-ctr',
    ciphertext: 'ec8df0cc0f9d018e7a1e6f8c20f105bb38a17b9805f13e3ab2e69556c1288a51',
    cipherparams: { iv: '6b96f79710ae9197515e46a4598e60a4' },
    kdf: 'scrypt',
    kdfparams: {
      dklen: 32,
      n: 262144,
      p: 1,
      r: 8,
      salt: '7fe997aed25467c33a26d07d3989c48ab406a46614f2b88fac3cedc743a1f59c',
    },
    mac: 'a4e032edf49b1d2aa158a2d0c771b8207facce7cbeb0fb5f3b5386be15424b22',
  },
}
const incredibleSquaringBls = {
  pubKey:
    'E([643552363890320897587044283125191574906281609959531590546948318138132520777,7028377728703212953187883551402495866059211864756496641401904395458852281995])',
  crypto: {
    cipher: 'aes-128-ctr',
    ciphertext: '8221f69293d98ca9d46c52a2747b61755c6bb71f41e951154af3bcbc0daef2b8',
    cipherparams: { iv: 'd8a38c68f3400aeb93084672b6e3ae61' },
    kdf: 'scrypt',
    kdfparams: {
      dklen: 32,
      n: 262144,
      p: 1,
      r: 8,
      salt: 'c41150482e6acfc2f0fcfd68b67f28ef22de8aa3f982048bdaf793c2e3ac3730',
    },
    mac: '879c2831169d9ac70c662ebca90b9f3cd63761d0924bdbbde0a82a306baf44cd',
  },
}

/** EIP-2335 § "Test Cases", PBKDF2 vector (a BLS12-381 validator keystore; see eip2335Keystore.test.ts). */
const eip2335Password = '𝔱𝔢𝔰𝔱𝔭𝔞𝔰𝔰𝔴𝔬𝔯𝔡🔑'
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
  pubkey: '9612d7a727c9d0a22e185a1c768478dfe919cada9266988cb32359c11f2b7b27f4ae4040902382ae2910c15e2b420d07',
  path: 'm/12381/60/0/0',
  uuid: '64625def-3331-4eea-ab6f-782f3ed16a83',
  version: 4,
}

beforeAll(async () => {
  await initBn254()
})

describe('decryptBlsKeystore (eigensdk-go format)', () => {
  test('opens the eigensdk-go test keystore and matches its pubKey', async () => {
    const { keyPair, format } = await decryptBlsKeystore(eigensdkTestKey, 'test')
    expect(format).toBe('eigensdk')
    expect(formatEigensdkG1(keyPair.g1)).toBe(eigensdkTestKey.pubKey)
  })

  test('opens the incredible-squaring-avs operator keystore', async () => {
    const { keyPair } = await decryptBlsKeystore(incredibleSquaringBls, '')
    expect(formatEigensdkG1(keyPair.g1)).toBe(incredibleSquaringBls.pubKey)
  })

  test('refuses a pubKey that does not belong to the encrypted key', async () => {
    const { keystore } = await createBlsKeystore({ password: 'pw', privateKey: 69n, scrypt: lightScryptParams })
    const other = formatEigensdkG1(blsKeyPairFromPrivateKey(70n).g1)
    const error = await decryptBlsKeystore({ ...keystore, pubKey: other }, 'pw', { source: 'op.bls.key.json' }).catch(
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(InvalidKeystoreError)
    expect((error as Error).message).toBe(
      'invalid keystore op.bls.key.json: field "pubKey" does not match the decrypted key',
    )
  })

  test('a wrong password fails with WrongPasswordError', async () => {
    const { keystore } = await createBlsKeystore({ password: 'pw', scrypt: lightScryptParams })
    await expect(decryptBlsKeystore(keystore, 'pW', { source: 'b.json' })).rejects.toThrow(
      new WrongPasswordError('b.json'),
    )
  })

  test('reduces a secret ≥ r modulo r, as gnark fr.SetBytes does', async () => {
    const r = 21888242871839275222246405745257275088548364400416034343698204186575808495617n
    const secret = Buffer.from((r + 5n).toString(16).padStart(64, '0'), 'hex')
    const crypto = await encryptSecretV3(secret, 'pw', { scrypt: { n: 16, r: 1, p: 1 } })
    const pubKey = formatEigensdkG1(blsKeyPairFromPrivateKey(5n).g1)
    expect((await decryptBlsKeystore({ pubKey, crypto }, 'pw')).keyPair.privateKey).toBe(5n)
  })
})

describe('createBlsKeystore', () => {
  test('writes eigensdk-go fields and round-trips a given key', async () => {
    const { keystore, keyPair } = await createBlsKeystore({
      password: 'pw',
      privateKey: 853n,
      scrypt: lightScryptParams,
    })
    expect(Object.keys(keystore)).toEqual(['pubKey', 'crypto'])
    // DESIGN.md public vector: 853·G1.
    expect(keystore.pubKey).toBe(
      'E([21008703310028844141620162130587521182514488709533704622337026710714836074802,1145283673551783492487423178395020830991754869805176606412560778073024405948])',
    )
    const opened = await decryptBlsKeystore(JSON.parse(JSON.stringify(keystore)), 'pw')
    expect(opened.keyPair).toEqual(keyPair)
  })

  test('generates a random key in [1, r) when none is given', async () => {
    const a = await createBlsKeystore({ password: '', scrypt: lightScryptParams })
    const b = await createBlsKeystore({ password: '', scrypt: lightScryptParams })
    expect(a.keyPair.privateKey).not.toBe(b.keyPair.privateKey)
    expect((await decryptBlsKeystore(a.keystore, '')).keyPair.operatorId).toBe(a.keyPair.operatorId)
  })
})

describe('decryptBlsKeystore (EIP-2335 format)', () => {
  test('refuses an Ethereum validator (BLS12-381) keystore before deriving a key', async () => {
    const error = await decryptBlsKeystore(eip2335Pbkdf2, eip2335Password, { source: 'v.json' }).catch(
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(InvalidKeystoreError)
    expect((error as InvalidKeystoreError).field).toBe('pubkey')
    expect((error as Error).message).toMatch(/BLS12-381/)
  })

  test('refuses curve "bls12-381"', async () => {
    const error = await decryptBlsKeystore({ ...eip2335Pbkdf2, curve: 'bls12-381' }, eip2335Password).catch(
      (e: unknown) => e,
    )
    expect((error as InvalidKeystoreError).field).toBe('curve')
  })

  test('opens a BN254 keystore as eigenlayer-cli writes it (curve "bn254", compressed G2 pubkey)', async () => {
    // The EIP-2335 PBKDF2 vector's secret read as a BN254 scalar, with the pubkey gnark would write for it.
    const sk = 0x000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26fn
    const { g2 } = blsKeyPairFromPrivateKey(sk)
    const x = Buffer.concat([
      Buffer.from(g2.x[0].toString(16).padStart(64, '0'), 'hex'),
      Buffer.from(g2.x[1].toString(16).padStart(64, '0'), 'hex'),
    ])
    x[0] = (x[0] as number) | 0x80
    const keystore = { ...eip2335Pbkdf2, curve: 'bn254', pubkey: x.toString('hex') }
    const { keyPair, format } = await decryptBlsKeystore(keystore, eip2335Password)
    expect(format).toBe('eip2335')
    expect(keyPair.privateKey).toBe(sk)

    const wrongPubkey = { ...keystore, pubkey: `${x.toString('hex').slice(0, 127)}0` }
    const error = await decryptBlsKeystore(wrongPubkey, eip2335Password).catch((e: unknown) => e)
    expect((error as InvalidKeystoreError).field).toBe('pubkey')
  })
})

describe('parseEigensdkG1', () => {
  test.each([['E([1,2)'], ['([1,2])'], ['E([0x1,2])'], [`E([${2n ** 254n},2])`]])(
    'rejects %s naming the field',
    (text) => {
      expect(() => parseEigensdkG1(text, 'k.json')).toThrow(
        'invalid keystore k.json: field "pubKey" expected a G1 point',
      )
    },
  )
})
