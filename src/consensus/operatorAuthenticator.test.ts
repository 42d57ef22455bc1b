import type { Address } from 'viem'
import { generatePrivateKey, privateKeyToAddress } from 'viem/accounts'
import { describe, expect, test } from 'vitest'
import {
  type BatchRefusal,
  batchDigest,
  createOperatorAuthenticator,
  type OperatorAuthenticator,
} from './operatorAuthenticator.js'
import { createRegistrationCheck } from './registrationCheck.js'

const registryCoordinator = '0x0165878A594ca255338adfa4d48449f69242Eb8F' as Address
const otherRegistry = '0x5FbDB2315678afecb367f032d93F642f64180aa3' as Address
const payload = new TextEncoder().encode('a raft batch')

function member(options: {
  registered?: ReadonlySet<string>
  chainId?: number
  registry?: Address
  now?: () => number
  lookups?: string[]
}) {
  const privateKey = generatePrivateKey()
  const refusals: BatchRefusal[] = []
  const authenticator = createOperatorAuthenticator({
    privateKey,
    chainId: options.chainId ?? 31337,
    registryCoordinator: options.registry ?? registryCoordinator,
    registrations: createRegistrationCheck({
      isValidOperator: async (address) => {
        options.lookups?.push(address)
        if (address === 'fail') throw new Error('node down')
        return options.registered?.has(address.toLowerCase()) ?? true
      },
    }),
    now: options.now,
    onRefused: (_peer, reason) => refusals.push(reason),
  })
  return { authenticator, refusals, privateKey }
}

async function verdict(receiver: OperatorAuthenticator, peer: string, body: Uint8Array, credentials: Uint8Array) {
  return await receiver.verify(peer, body, credentials)
}

describe('operator authenticator', () => {
  test('accepts a registered operator’s batch, asking the chain once and answering later batches synchronously', async () => {
    const lookups: string[] = []
    const sender = member({})
    const receiver = member({ lookups })
    const first = receiver.authenticator.verify(
      sender.authenticator.nodeId,
      payload,
      await sender.authenticator.sign(payload),
    )
    expect(first).toBeInstanceOf(Promise)
    expect(await first).toBe(true)
    const second = receiver.authenticator.verify(
      sender.authenticator.nodeId,
      payload,
      await sender.authenticator.sign(payload),
    )
    expect(second).toBe(true)
    expect(lookups).toEqual([sender.authenticator.nodeId])
    expect(sender.authenticator.nodeId).toBe(privateKeyToAddress(sender.privateKey))
  })

  test('refuses a batch whose payload, sender, chain or registry coordinator differs from what was signed', async () => {
    const sender = member({})
    const credentials = await sender.authenticator.sign(payload)
    const receiver = member({})
    const other = member({})
    expect(
      await verdict(
        receiver.authenticator,
        sender.authenticator.nodeId,
        new TextEncoder().encode('changed'),
        credentials,
      ),
    ).toBe(false)
    expect(await verdict(receiver.authenticator, other.authenticator.nodeId, payload, credentials)).toBe(false)
    const otherChain = member({ chainId: 1 })
    expect(await verdict(otherChain.authenticator, sender.authenticator.nodeId, payload, credentials)).toBe(false)
    const otherAvs = member({ registry: otherRegistry })
    expect(await verdict(otherAvs.authenticator, sender.authenticator.nodeId, payload, credentials)).toBe(false)
    expect([...receiver.refusals, ...otherChain.refusals, ...otherAvs.refusals]).toEqual([
      'bad_signature',
      'bad_signature',
      'bad_signature',
      'bad_signature',
    ])
  })

  test('refuses credentials outside the time window, either way', async () => {
    let clock = 1_000_000
    const sender = member({ now: () => clock })
    const receiver = member({ now: () => 1_000_000 })
    const old = await sender.authenticator.sign(payload)
    clock = 1_000_000 + 61_000
    const early = await sender.authenticator.sign(payload)
    clock = 1_000_000 + 59_000
    const inWindow = await sender.authenticator.sign(payload)
    const receiverLater = member({ now: () => 1_000_000 + 61_000 })
    expect(await verdict(receiverLater.authenticator, sender.authenticator.nodeId, payload, old)).toBe(false)
    expect(await verdict(receiver.authenticator, sender.authenticator.nodeId, payload, early)).toBe(false)
    expect(await verdict(receiver.authenticator, sender.authenticator.nodeId, payload, inWindow)).toBe(true)
    expect([...receiverLater.refusals, ...receiver.refusals]).toEqual(['expired', 'future'])
  })

  test('refuses a validly signed batch from an operator that is not registered, and malformed credentials', async () => {
    const stranger = member({})
    const receiver = member({ registered: new Set() })
    const credentials = await stranger.authenticator.sign(payload)
    expect(await verdict(receiver.authenticator, stranger.authenticator.nodeId, payload, credentials)).toBe(false)
    expect(await verdict(receiver.authenticator, stranger.authenticator.nodeId, payload, credentials.subarray(1))).toBe(
      false,
    )
    expect(await verdict(receiver.authenticator, 'not-an-address', payload, credentials)).toBe(false)
    const garbled = credentials.slice()
    garbled.fill(0xff, 8, 72)
    expect(await verdict(receiver.authenticator, stranger.authenticator.nodeId, payload, garbled)).toBe(false)
    expect(receiver.refusals).toEqual(['not_registered', 'malformed', 'malformed', 'bad_signature'])
  })

  test('binds the digest to every field', () => {
    const base = { chainId: 1, registryCoordinator, senderId: '0xabc', batch: payload, timestamp: 5 }
    const digest = Buffer.from(batchDigest(base)).toString('hex')
    for (const change of [
      { chainId: 2 },
      { registryCoordinator: otherRegistry },
      { senderId: '0xabd' },
      { batch: new Uint8Array([1]) },
      { timestamp: 6 },
    ]) {
      expect(Buffer.from(batchDigest({ ...base, ...change })).toString('hex')).not.toBe(digest)
    }
  })
})

describe('registration check', () => {
  test('remembers answers (negative ones briefly) and shares concurrent questions', async () => {
    let clock = 0
    const asked: string[] = []
    const check = createRegistrationCheck({
      isValidOperator: async (address) => {
        asked.push(address)
        return address === '0xa'
      },
      ttlMs: 1_000,
      negativeTtlMs: 100,
      now: () => clock,
    })
    expect(await Promise.all([check.isRegistered('0xa'), check.isRegistered('0xA')])).toEqual([true, true])
    expect(await check.isRegistered('0xb')).toBe(false)
    expect(asked).toEqual(['0xa', '0xb'])
    clock = 200
    expect(await check.isRegistered('0xa')).toBe(true)
    expect(await check.isRegistered('0xb')).toBe(false)
    expect(asked).toEqual(['0xa', '0xb', '0xb'])
    clock = 2_000
    expect(check.cached('0xa')).toBe(true)
    await new Promise((resolve) => setImmediate(resolve))
    expect(asked).toEqual(['0xa', '0xb', '0xb', '0xa'])
    expect(check.cached('0xc')).toBeUndefined()
  })
})
