/**
 * Block numbers and headers over the raw JSON-RPC client: `eth_blockNumber`, and `eth_getBlockByNumber` with
 * `false` (transaction hashes only: the header is all the hash chain needs). Headers of many blocks go out as one
 * JSON-RPC array. A block the node does not have is answered `null`: it comes back `undefined` here, which log
 * sync reads as "the chain is shorter than it was" (a reorganisation in progress).
 */
import type { Hex } from 'viem'
import type { JsonRpcClient } from './jsonRpcClient.js'
import { InvalidRpcResponseError } from './rpcErrors.js'
import { toQuantity } from './rpcGetLogs.js'
import type { BlockRef } from './types.js'

type RawHeader = { number?: unknown; hash?: unknown; parentHash?: unknown }

export async function rpcGetBlockNumber(client: JsonRpcClient, signal?: AbortSignal): Promise<bigint> {
  const result = await client.request<unknown>('eth_blockNumber', [], { signal })
  if (typeof result !== 'string') throw new InvalidRpcResponseError('eth_blockNumber', 'expected a hex quantity')
  return BigInt(result)
}

export async function rpcGetBlockHeader(
  client: JsonRpcClient,
  block: bigint | 'latest',
  signal?: AbortSignal,
): Promise<BlockRef | undefined> {
  const tag = block === 'latest' ? block : toQuantity(block)
  return parseBlockRef(await client.request<unknown>('eth_getBlockByNumber', [tag, false], { signal }))
}

/** Headers of `numbers`, in that order, in as few JSON-RPC arrays as the client's batch size allows. */
export async function rpcGetBlockHeaders(
  client: JsonRpcClient,
  numbers: readonly bigint[],
  signal?: AbortSignal,
): Promise<(BlockRef | undefined)[]> {
  const calls = numbers.map((number) => ({ method: 'eth_getBlockByNumber', params: [toQuantity(number), false] }))
  const results = await client.batch<unknown>(calls, { signal })
  return results.map(parseBlockRef)
}

/** A header as `eth_getBlockByNumber` returns it (or `null`), reduced to what the hash chain needs. */
export function parseBlockRef(raw: unknown): BlockRef | undefined {
  if (raw === null) return undefined
  const header = raw as RawHeader
  if (
    typeof raw !== 'object' ||
    typeof header.number !== 'string' ||
    typeof header.hash !== 'string' ||
    typeof header.parentHash !== 'string'
  ) {
    throw new InvalidRpcResponseError('eth_getBlockByNumber', 'expected a block with number, hash and parentHash')
  }
  return { number: BigInt(header.number), hash: header.hash as Hex, parentHash: header.parentHash as Hex }
}
