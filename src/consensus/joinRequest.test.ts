import type { Address } from 'viem'
import { generatePrivateKey, privateKeyToAddress } from 'viem/accounts'
import { describe, expect, test } from 'vitest'
import {
  JoinRefusedError,
  type JoinRequest,
  parseJoinRequest,
  signJoinRequest,
  verifyJoinRequest,
} from './joinRequest.js'

const registryCoordinator = '0x0165878A594ca255338adfa4d48449f69242Eb8F' as Address
const operatorKey = generatePrivateKey()
const operator = privateKeyToAddress(operatorKey)

const rules = {
  chainId: 31337,
  registryCoordinator,
  head: 1_000n,
  windowBlocks: 50,
  isRegistered: async (address: Address) => address === operator,
}

function sign(overrides: { blockNumber?: bigint; chainId?: number; privateKey?: `0x${string}` } = {}) {
  return signJoinRequest({
    privateKey: overrides.privateKey ?? operatorKey,
    chainId: overrides.chainId ?? 31337,
    registryCoordinator,
    raftAddress: '127.0.0.1:7100',
    httpUrl: 'http://127.0.0.1:7101',
    blockNumber: overrides.blockNumber ?? 990n,
  })
}

async function refusal(request: JoinRequest, overrides: Partial<typeof rules> = {}) {
  try {
    await verifyJoinRequest(request, { ...rules, ...overrides })
  } catch (error) {
    if (error instanceof JoinRefusedError) return { reason: error.reason, message: error.shortMessage }
    throw error
  }
  return undefined
}

describe('join requests', () => {
  test('accepts a registered operator’s request signed over a recent block, including the window’s edge', async () => {
    expect(await refusal(await sign())).toBeUndefined()
    expect(await refusal(await sign({ blockNumber: 950n }))).toBeUndefined()
    expect(await refusal(await sign({ blockNumber: 1_000n }))).toBeUndefined()
  })

  test('refuses each broken rule with its own reason', async () => {
    expect(await refusal(await sign({ blockNumber: 949n }))).toMatchObject({ reason: 'stale_block' })
    expect(await refusal(await sign({ blockNumber: 1_001n }))).toMatchObject({ reason: 'future_block' })
    expect(await refusal(await sign({ chainId: 1 }))).toMatchObject({ reason: 'wrong_chain' })
    const moved = { ...(await sign()), raftAddress: '10.0.0.1:7100' }
    expect(await refusal(moved)).toMatchObject({ reason: 'bad_signature' })
    const failing = async () => {
      throw new Error('node down')
    }
    expect(await refusal(await sign(), { isRegistered: failing })).toMatchObject({ reason: 'lookup_failed' })
  })

  test('refuses a key that is not a registered operator, saying so', async () => {
    const strangerKey = generatePrivateKey()
    const stranger = privateKeyToAddress(strangerKey)
    expect(await refusal(await sign({ privateKey: strangerKey }))).toEqual({
      reason: 'not_registered',
      message: `operator ${stranger} is not registered with RegistryCoordinator ${registryCoordinator} on chain 31337: only registered operators may join the cluster`,
    })
  })

  test('parses a request from the network, and refuses a malformed one naming the field', async () => {
    const request = await sign()
    expect(() => parseJoinRequest({ ...request, blockNumber: undefined })).toThrow(
      /malformed join request: blockNumber/,
    )
    expect(() => parseJoinRequest({ ...request, httpUrl: 'ftp://x' })).toThrow(/httpUrl: expected an http\(s\) URL/)
    expect(() => parseJoinRequest({ ...request, signature: '0x12' })).toThrow(/signature/)
    expect(parseJoinRequest({ ...request, nodeId: request.nodeId.toLowerCase() }).nodeId).toBe(operator)
  })
})
