import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import fc from 'fast-check'
import * as tiny from 'tiny-secp256k1'
import { bytesToHex, type Hex, hexToBytes, recoverPublicKey } from 'viem'
import { sign } from 'viem/accounts'
import { describe, expect, test } from 'vitest'
import { createCheckinSignatureVerifier } from './checkinToken.js'
import { type EcdsaBackend, loadEcdsaBackend, wasmBackend } from './ecdsaBackend.js'

const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n
const secp256k1Folder = dirname(createRequire(import.meta.url).resolve('secp256k1/package.json'))
const prebuilt = existsSync(join(secp256k1Folder, 'prebuilds', `${process.platform}-${process.arch}`))

const toBytes32 = (value: bigint) => hexToBytes(`0x${value.toString(16).padStart(64, '0')}`)
const toBigInt = (bytes: Uint8Array) => BigInt(bytesToHex(bytes))

/** viem (@noble/curves) as the independent judge: the key recovery id `recoveryId` yields, or undefined. */
async function viemRecover(digest: Uint8Array, signature: Uint8Array, recoveryId: 0 | 1): Promise<Hex | undefined> {
  try {
    return await recoverPublicKey({
      hash: digest,
      signature: {
        r: bytesToHex(signature.subarray(0, 32)),
        s: bytesToHex(signature.subarray(32)),
        yParity: recoveryId,
      },
    })
  } catch {
    return undefined
  }
}

/** viem's verdict on (r, s) for `publicKey`: valid when either recovery id yields that key. */
async function viemVerify(digest: Uint8Array, publicKey: Uint8Array, signature: Uint8Array): Promise<boolean> {
  const expected = bytesToHex(publicKey)
  return (
    (await viemRecover(digest, signature, 0)) === expected || (await viemRecover(digest, signature, 1)) === expected
  )
}

const privateKeyArbitrary = fc
  .uint8Array({ minLength: 32, maxLength: 32 })
  .filter((bytes) => tiny.isPrivate(bytes))
  .map((bytes) => bytesToHex(bytes))

type Variant = 'genuine' | 'high-s' | 'other-digest' | 'other-key' | 'flipped-byte' | 'random' | 'r-zero' | 's-at-n'
const variants: Variant[] = [
  'genuine',
  'high-s',
  'other-digest',
  'other-key',
  'flipped-byte',
  'random',
  'r-zero',
  's-at-n',
]

describe('loadEcdsaBackend', () => {
  test.runIf(prebuilt)('uses the native libsecp256k1 binding where the package ships a prebuilt one', () => {
    const backend = loadEcdsaBackend()
    expect(backend.name).toBe('native')
    expect(backend.fallbackReason).toBeUndefined()
    expect(createCheckinSignatureVerifier().backend).toBe('native')
  })

  test('falls back to tiny-secp256k1 and says why when the binding does not load', () => {
    const backend = loadEcdsaBackend({
      loadNative: () => {
        throw new Error('No native build was found for platform=plan9')
      },
    })
    expect(backend.name).toBe('wasm')
    expect(backend.fallbackReason).toContain('No native build was found')
    expect(createCheckinSignatureVerifier({ backend }).backend).toBe('wasm')
  })

  test('agrees with tiny-secp256k1 and viem on genuine, high-s, forged and malformed signatures', async () => {
    const backends: EcdsaBackend[] = [loadEcdsaBackend(), wasmBackend]
    await fc.assert(
      fc.asyncProperty(
        privateKeyArbitrary,
        privateKeyArbitrary,
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 64, maxLength: 64 }),
        fc.constantFrom(...variants),
        fc.nat(63),
        async (privateKey, otherKey, digest, noise, variant, at) => {
          const signed = await sign({ hash: bytesToHex(digest), privateKey })
          let signature = new Uint8Array([...hexToBytes(signed.r), ...hexToBytes(signed.s)])
          let recoveryId = (signed.yParity ?? 0) as 0 | 1
          let message = digest
          let publicKey = tiny.pointFromScalar(hexToBytes(privateKey), false) as Uint8Array
          if (variant === 'high-s') {
            // (r, n − s) is the same signature's other encoding, with the other recovery id.
            signature = new Uint8Array([
              ...signature.subarray(0, 32),
              ...toBytes32(n - toBigInt(signature.subarray(32))),
            ])
            recoveryId = recoveryId === 0 ? 1 : 0
          } else if (variant === 'other-digest') {
            message = digest.map((byte, i) => (i === at % 32 ? byte ^ 1 : byte))
          } else if (variant === 'other-key') {
            publicKey = tiny.pointFromScalar(hexToBytes(otherKey), false) as Uint8Array
          } else if (variant === 'flipped-byte') {
            signature = signature.map((byte, i) => (i === at ? byte ^ 0x80 : byte))
          } else if (variant === 'random') {
            signature = noise
          } else if (variant === 'r-zero') {
            signature = new Uint8Array([...new Uint8Array(32), ...signature.subarray(32)])
          } else if (variant === 's-at-n') {
            signature = new Uint8Array([...signature.subarray(0, 32), ...toBytes32(n)])
          }

          const expected = await viemVerify(message, publicKey, signature)
          if (variant === 'genuine' || variant === 'high-s') expect(expected).toBe(true)
          const recovered = await viemRecover(message, signature, recoveryId)
          for (const backend of backends) {
            expect(backend.verify(message, publicKey, signature), `${backend.name} verify, ${variant}`).toBe(expected)
            const key = backend.recover(message, signature, recoveryId)
            expect(key && bytesToHex(key), `${backend.name} recover, ${variant}`).toBe(recovered)
          }
        },
      ),
      { numRuns: 300 },
    )
  })
})
