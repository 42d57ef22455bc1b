import { describe, expect, test } from 'vitest'
import { ChainUnreachableError } from '../errors.js'
import { classifyLogRangeRefusal, suggestedBlocks } from './logRangeRefusal.js'
import { RpcHttpError, RpcResponseError, RpcResponseTooLargeError } from './rpcErrors.js'

const rpcError = (code: number, message: string, data?: unknown) =>
  new RpcResponseError('eth_getLogs', code, message, data)

describe('classifyLogRangeRefusal', () => {
  test.each([
    [
      'Alchemy',
      rpcError(
        -32602,
        'Log response size exceeded. You can make eth_getLogs requests with up to a 2K block range and no limit on the response size, or you can request any block range with a cap of 10K logs in the response. Based on your parameters, this block range should work: [0x10, 0x4f]',
      ),
      { kind: 'results', suggestedBlocks: 64 },
    ],
    [
      'Infura',
      rpcError(-32005, 'query returned more than 10000 results. Try with this block range [0x1, 0x3e8].'),
      { kind: 'results', suggestedBlocks: 1000 },
    ],
    [
      'geth-based node',
      rpcError(-32000, 'exceed maximum block range: 50000'),
      { kind: 'blocks', suggestedBlocks: 50_000 },
    ],
    [
      'reth, blocks',
      rpcError(-32602, 'query exceeds max block range 100000'),
      { kind: 'blocks', suggestedBlocks: 100_000 },
    ],
    ['reth, results', rpcError(-32602, 'query exceeds max results 20000'), { kind: 'results' }],
    [
      'QuickNode',
      rpcError(-32614, 'eth_getLogs is limited to a 10,000 range'),
      { kind: 'blocks', suggestedBlocks: 10_000 },
    ],
    ['Ankr', rpcError(-32600, 'block range is too wide'), { kind: 'blocks' }],
    ['Moonbeam', rpcError(-32603, 'block range is too wide (maximum 1024)'), { kind: 'blocks', suggestedBlocks: 1024 }],
    ['Base', rpcError(-32000, 'block range too large'), { kind: 'blocks' }],
    ['Optimism', rpcError(-32000, 'backend response too large'), { kind: 'results' }],
    ['Arbitrum', rpcError(-32000, 'logs matched by query exceeds limit of 10000'), { kind: 'results' }],
    ['Chainstack', rpcError(-32000, 'Block range limit exceeded.'), { kind: 'blocks' }],
    [
      'Coinbase',
      rpcError(-32000, 'please limit the query to at most 1000 blocks'),
      { kind: 'blocks', suggestedBlocks: 1000 },
    ],
    [
      'Cloudflare',
      rpcError(-32047, 'Invalid eth_getLogs request. Max range: 3500'),
      { kind: 'blocks', suggestedBlocks: 3500 },
    ],
    [
      'Blast',
      rpcError(-32000, 'eth_getLogs range exceeds the range allowed for your plan (5000 > 3000)'),
      { kind: 'blocks', suggestedBlocks: 3000 },
    ],
    ['HTTP 413', new RpcHttpError('eth_getLogs', 413, 'http://node'), { kind: 'results' }],
    ['own body cap', new RpcResponseTooLargeError('eth_getLogs', 1000, 2000), { kind: 'results' }],
  ])('recognises %s', (_provider, error, expected) => {
    expect(classifyLogRangeRefusal(error)).toEqual({ suggestedBlocks: undefined, ...expected })
  })

  test.each([
    ['a rate limit', rpcError(-32005, 'daily request count exceeded, request rate limited')],
    ['Infura request rate', rpcError(-32005, 'project ID request rate exceeded')],
    ['a missing header', rpcError(-32000, 'header not found')],
    ['HTTP 503', new RpcHttpError('eth_getLogs', 503, 'http://node', { details: 'Service Unavailable' })],
    ['an unreachable node', new ChainUnreachableError('Cannot reach the Ethereum node: block range')],
    ['a plain error', new Error('exceed maximum block range: 5')],
  ])('does not take %s for a refusal', (_what, error) => {
    expect(classifyLogRangeRefusal(error)).toBeUndefined()
  })

  test('reads refusals sent as a non-JSON HTTP body', () => {
    const error = new RpcHttpError('eth_getLogs', 400, 'http://node', { details: 'Log response size exceeded' })
    expect(classifyLogRangeRefusal(error)?.kind).toBe('results')
  })
})

describe('suggestedBlocks', () => {
  test('reads the inclusive width of a suggested range', () => {
    expect(suggestedBlocks('this block range should work: [0x0, 0x0]')).toBe(1)
    expect(suggestedBlocks('Try with this block range [0x64, 0xc7].')).toBe(100)
  })

  test('reads a named limit with thousands separators or a k suffix', () => {
    expect(suggestedBlocks('limited to a 10,000 range')).toBe(10_000)
    expect(suggestedBlocks('up to a 2K block range')).toBe(2000)
    expect(suggestedBlocks('nothing here')).toBeUndefined()
  })
})
