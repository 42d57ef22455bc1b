import type { Hex } from 'viem'
import { beforeAll, describe, expect, test } from 'vitest'
import { useAnvil } from '../../../test/anvil.js'
import { deployRegistry, emitRegistryLogs, type RegistryChain } from '../../../test/logSync/registryLogs.js'
import { ChainMovedError, fetchLogBatch } from './fetchLogBatch.js'
import { createJsonRpcClient, type JsonRpcClient } from './jsonRpcClient.js'
import { createLogRangePolicy } from './logRangePolicy.js'
import { rpcGetBlockHeader, rpcGetBlockHeaders } from './rpcBlocks.js'
import { RpcResponseError } from './rpcErrors.js'
import { rpcGetLogs } from './rpcGetLogs.js'
import type { BlockRef } from './types.js'

describe('fetchLogBatch', () => {
  const chain = useAnvil()
  let registry: RegistryChain
  let client: JsonRpcClient
  let head: bigint

  beforeAll(async () => {
    registry = await deployRegistry(chain.rpcUrl)
    await emitRegistryLogs(registry, { blocks: 6, perBlock: 2, emptyBlocksAfter: 2, seed: 'fetch' })
    client = createJsonRpcClient({ url: chain.rpcUrl })
    head = (await rpcGetBlockHeader(client, 'latest'))!.number
  })

  const fetch = (mode: 'backfill' | 'live', fromBlock: bigint, toBlock: bigint, parent: BlockRef | undefined) =>
    fetchLogBatch({
      client,
      filter: registry.filter,
      policy: createLogRangePolicy({ initial: 1000 }),
      mode,
      fromBlock,
      toBlock,
      parent,
    })

  const forged = (block: BlockRef): BlockRef => ({ ...block, hash: `0x${'ab'.repeat(32)}` as Hex })

  test('backfill carries the header of its last block and the logs of the range', async () => {
    const parent = (await rpcGetBlockHeader(client, 2n))!
    const result = await fetch('backfill', 3n, head, parent)
    expect(result.kind).toBe('batch')
    if (result.kind !== 'batch') return
    expect(result.batch.blocks).toEqual([await rpcGetBlockHeader(client, head)])
    expect(result.batch.logs).toEqual(await rpcGetLogs(client, { ...registry.filter, fromBlock: 3n, toBlock: head }))
  })

  test('backfill carries every header from everyHeaderFrom on, linked, and checks every log there', async () => {
    const parent = (await rpcGetBlockHeader(client, 2n))!
    const result = await fetchLogBatch({
      client,
      filter: registry.filter,
      policy: createLogRangePolicy({ initial: 1000 }),
      mode: 'backfill',
      fromBlock: 3n,
      toBlock: head,
      parent,
      everyHeaderFrom: head - 4n,
    })
    if (result.kind !== 'batch') throw new Error('expected a batch')
    const numbers = [head - 4n, head - 3n, head - 2n, head - 1n, head]
    expect(result.batch.blocks).toEqual(await rpcGetBlockHeaders(client, numbers))
    const tampering: JsonRpcClient = {
      ...client,
      request: async <T>(
        method: string,
        params: readonly unknown[],
        options?: Parameters<typeof client.request<T>>[2],
      ) => {
        const answer = (await client.request<T>(method, params, options)) as { blockHash: Hex }[]
        if (method !== 'eth_getLogs') return answer as never
        // The first log: far from the range's last block, which is all a backfill checked without the window.
        return answer.map((log, i) => (i === 0 ? { ...log, blockHash: `0x${'cd'.repeat(32)}` } : log)) as never
      },
    }
    await expect(
      fetchLogBatch({
        client: tampering,
        filter: registry.filter,
        policy: createLogRangePolicy({ initial: 1000 }),
        mode: 'backfill',
        fromBlock: 3n,
        toBlock: head,
        parent,
        everyHeaderFrom: 3n,
      }),
    ).rejects.toBeInstanceOf(ChainMovedError)
  })

  test('backfill reports a reorganisation when the previous checkpoint is no longer canonical', async () => {
    const parent = (await rpcGetBlockHeader(client, 2n))!
    expect(await fetch('backfill', 3n, head, forged(parent))).toEqual({ kind: 'reorg' })
  })

  test('live carries every header, linked to the parent', async () => {
    const parent = (await rpcGetBlockHeader(client, 4n))!
    const result = await fetch('live', 5n, head, parent)
    if (result.kind !== 'batch') throw new Error('expected a batch')
    const numbers = Array.from({ length: Number(head - 4n) }, (_, i) => 5n + BigInt(i))
    expect(result.batch.blocks).toEqual(await rpcGetBlockHeaders(client, numbers))
  })

  test('live reports a reorganisation when the first block does not extend the parent', async () => {
    const parent = (await rpcGetBlockHeader(client, 4n))!
    expect(await fetch('live', 5n, head, forged(parent))).toEqual({ kind: 'reorg' })
  })

  test('throws ChainMovedError when a block of the range is gone', async () => {
    await expect(fetch('live', head - 1n, head + 3n, undefined)).rejects.toBeInstanceOf(ChainMovedError)
    await expect(fetch('backfill', head - 1n, head + 3n, undefined)).rejects.toThrow(/is gone from the node/)
  })

  test('shrinks on a refusal, and gives up at the minimum with the node error', async () => {
    const refusing: JsonRpcClient = {
      ...client,
      request: async (method, params, options) => {
        if (method === 'eth_getLogs') throw new RpcResponseError(method, -32000, 'block range too large', undefined)
        return client.request(method, params, options)
      },
    }
    const widths: number[] = []
    const error = await fetchLogBatch({
      client: refusing,
      filter: registry.filter,
      policy: createLogRangePolicy({ initial: 8 }),
      mode: 'backfill',
      fromBlock: 1n,
      toBlock: head,
      parent: undefined,
      onRequest: (blocks) => widths.push(blocks),
    }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RpcResponseError)
    expect(widths).toEqual([8, 4, 2, 1])
  })
})
