import fc from 'fast-check'
import { type Hex, hashMessage, recoverMessageAddress } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { describe, expect, test } from 'vitest'
import {
  CheckinTokenError,
  checkinDigest,
  checkinMessage,
  createCheckinSignatureVerifier,
  parseCheckinAuthorization,
  signCheckinToken,
} from './checkinToken.js'

const privateKey = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d' as const
const account = privateKeyToAccount(privateKey)
const epoch = 1_700_000_000

describe('check-in token', () => {
  test('signs the EIP-191 message Operator:<checksummed address>Epoch:<epoch>', async () => {
    expect(checkinMessage(account.address, epoch)).toBe(`Operator:${account.address}Epoch:1700000000`)
    expect(Buffer.from(checkinDigest(account.address, epoch)).toString('hex')).toBe(
      hashMessage(checkinMessage(account.address, epoch)).slice(2),
    )
    const token = signCheckinToken({ privateKey, address: account.address, epoch })
    expect(token).toMatch(/^1700000000\.0x[0-9a-f]{128}(1b|1c)$/)
    const signature = token.split('.')[1] as Hex
    expect(await recoverMessageAddress({ message: checkinMessage(account.address, epoch), signature })).toBe(
      account.address,
    )
    expect(signature).toBe(await account.signMessage({ message: checkinMessage(account.address, epoch) }))
  })

  test('verifies tokens signed by other EIP-191 signers, with or without 0x and with v as 27/28 or 0/1', async () => {
    const verifier = createCheckinSignatureVerifier()
    const signature = await account.signMessage({ message: checkinMessage(account.address, epoch) })
    const bare = signature.slice(2)
    const v01 = `${bare.slice(0, 128)}${(Number.parseInt(bare.slice(128), 16) - 27).toString(16).padStart(2, '0')}`
    for (const form of [signature, bare, v01]) {
      const token = parseCheckinAuthorization(`Bearer ${epoch}.${form}`)
      expect(token.epoch).toBe(epoch)
      expect(verifier.verify(account.address, token)).toBe(true)
    }
  })

  test('refuses a signature by another key, for another epoch, or with r and s out of range', () => {
    const verifier = createCheckinSignatureVerifier()
    const fresh = createCheckinSignatureVerifier()
    const other = generatePrivateKey()
    const forged = parseCheckinAuthorization(
      `Bearer ${signCheckinToken({ privateKey: other, address: account.address, epoch })}`,
    )
    expect(verifier.verify(account.address, forged)).toBe(false)
    const genuine = parseCheckinAuthorization(
      `Bearer ${signCheckinToken({ privateKey, address: account.address, epoch })}`,
    )
    expect(verifier.verify(account.address, genuine)).toBe(true)
    // With the key now remembered, a signature for another epoch still fails.
    expect(verifier.verify(account.address, { ...genuine, epoch: epoch + 1 })).toBe(false)
    expect(verifier.verify(account.address, forged)).toBe(false)
    const zero = { epoch, signature: new Uint8Array(64), recoveryId: 0 as const }
    const high = { epoch, signature: new Uint8Array(64).fill(0xff), recoveryId: 1 as const }
    expect(verifier.verify(account.address, zero)).toBe(false)
    expect(verifier.verify(account.address, high)).toBe(false)
    expect(fresh.verify(account.address, zero)).toBe(false)
    expect(fresh.verify(account.address, high)).toBe(false)
    const tokens = Array.from({ length: 30 }, (_, i) =>
      parseCheckinAuthorization(
        `Bearer ${signCheckinToken({ privateKey: i % 3 === 0 ? other : privateKey, address: account.address, epoch: epoch + i })}`,
      ),
    )
    expect(tokens.map((token) => verifier.verify(account.address, token))).toEqual(tokens.map((_, i) => i % 3 !== 0))
  })

  test('remembers at most maxKeys public keys', async () => {
    const verifier = createCheckinSignatureVerifier({ maxKeys: 2 })
    for (let i = 0; i < 5; i++) {
      const key = generatePrivateKey()
      const { address } = privateKeyToAccount(key)
      expect(
        verifier.verify(
          address,
          parseCheckinAuthorization(`Bearer ${signCheckinToken({ privateKey: key, address, epoch })}`),
        ),
      ).toBe(true)
    }
    expect(verifier.size).toBe(2)
  })

  test('says what is wrong with an authorization value that is not a token', () => {
    const problem = (value: string | undefined) => {
      try {
        parseCheckinAuthorization(value)
        return 'parsed'
      } catch (error) {
        return (error as CheckinTokenError).problem
      }
    }
    expect(problem(undefined)).toBe('missing')
    expect(problem('')).toBe('missing')
    expect(problem('Basic dXNlcjpwYXNz')).toBe('not-bearer')
    expect(problem(`Bearer ${epoch}`)).toBe('malformed')
    expect(problem(`Bearer ${epoch}.0x${'ab'.repeat(64)}`)).toBe('malformed')
    expect(problem(`Bearer ${epoch}.0x${'ab'.repeat(64)}1d`)).toBe('malformed')
    expect(problem(`Bearer -1.0x${'ab'.repeat(64)}1b`)).toBe('malformed')
    expect(problem(`Bearer 1234567890123.0x${'ab'.repeat(64)}1b`)).toBe('malformed')
    expect(problem(`Bearer ${epoch}.0x${'ab'.repeat(64)}1b `)).toBe('malformed')
    expect(problem(`Bearer ${epoch}.0x${'ab'.repeat(64)}1b`)).toBe('parsed')
    expect(new CheckinTokenError('missing').message).not.toMatch(/\*\*\*/)
  })

  test('round-trips any key and epoch against viem as the independent verifier', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 32, maxLength: 32 }).filter((b) => b.some((x) => x !== 0)),
        fc.integer({ min: 0, max: 999_999_999_999 }),
        async (keyBytes, anyEpoch) => {
          const privateKey = `0x${Buffer.from(keyBytes).toString('hex')}` as Hex
          let address: Hex
          try {
            address = privateKeyToAccount(privateKey).address
          } catch {
            return // not a valid secp256k1 scalar
          }
          const token = signCheckinToken({ privateKey, address: address as never, epoch: anyEpoch })
          const parsed = parseCheckinAuthorization(`Bearer ${token}`)
          expect(createCheckinSignatureVerifier().verify(address as never, parsed)).toBe(true)
          const recovered = await recoverMessageAddress({
            message: checkinMessage(address as never, anyEpoch),
            signature: token.split('.')[1] as Hex,
          })
          expect(recovered).toBe(address)
        },
      ),
      { numRuns: 50 },
    )
  })
})
