import type { Hex } from 'viem'
import { beforeAll, describe, expect, test } from 'vitest'
import { useAnvil } from '../../../test/anvil.js'
import { deployRegistry, emitRegistryLogs, type RegistryChain } from '../../../test/logSync/registryLogs.js'
import { ChainMovedError, fetchLogBatch } from './fetchLogBatch.js'
import { createJsonRpcClient, type JsonRpcClient } from './jsonRpcClient.js'
import { createLogRangePolicy } from './logRangePolicy.js'
import { rpcGetBlockHeader, rpcGetBlockHeaders } from './rpcBlocks.js'
import { splitLogBatch } from './splitLogBatch.js'
import type { LogBatch } from './types.js'

describe('splitLogBatch', () => {
  const chain = useAnvil()
  let registry: RegistryChain
  let client: JsonRpcClient
  let whole: LogBatch

  beforeAll(async () => {
    registry = await deployRegistry(chain.rpcUrl)
    // 3 logs a block (4 every fourth block), an empty block after each, two empty blocks at the end.
    await emitRegistryLogs(registry, { blocks: 8, perBlock: 3, emptyBlocksAfter: 1, seed: 'split' })
    await registry.testClient.mine({ blocks: 2 })
    client = createJsonRpcClient({ url: chain.rpcUrl })
    const head = (await rpcGetBlockHeader(client, 'latest'))!.number
    const result = await fetchLogBatch({
      client,
      filter: registry.filter,
      policy: createLogRangePolicy({ initial: 1000 }),
      mode: 'backfill',
      fromBlock: 1n,
      toBlock: head,
      parent: undefined,
    })
    if (result.kind !== 'batch') throw new Error('expected a batch')
    whole = result.batch
  })

  /** The parts cover the range without gap or overlap, keep every log in order, and carry the node's headers. */
  async function expectParts(parts: LogBatch[], maxLogs: number) {
    expect(parts.flatMap((part) => part.logs)).toEqual(whole.logs)
    expect(parts[0]?.fromBlock).toBe(whole.fromBlock)
    expect(parts.at(-1)?.toBlock).toBe(whole.toBlock)
    expect(parts.at(-1)?.blocks).toEqual(whole.blocks)
    for (const [i, part] of parts.entries()) {
      if (i > 0) expect(part.fromBlock).toBe((parts[i - 1] as LogBatch).toBlock + 1n)
      const blocks = new Set(part.logs.map((log) => log.blockNumber))
      // Never more than maxLogs, unless the part is a single block that holds more.
      if (part.logs.length > maxLogs) expect(blocks.size).toBe(1)
      for (const log of part.logs)
        expect(log.blockNumber >= part.fromBlock && log.blockNumber <= part.toBlock).toBe(true)
    }
    const headers = await rpcGetBlockHeaders(
      client,
      parts.map((part) => part.toBlock),
    )
    expect(parts.map((part) => part.blocks.at(-1))).toEqual(headers)
    // Inner parts end on the block of their last log: the next part starts right after a block with logs.
    for (const part of parts.slice(0, -1)) expect(part.logs.at(-1)?.blockNumber).toBe(part.toBlock)
  }

  test('returns the batch itself when it holds at most maxLogs logs', async () => {
    expect(await splitLogBatch({ client, batch: whole, maxLogs: whole.logs.length })).toEqual([whole])
  })

  test('splits at block boundaries into parts of at most maxLogs logs, each with its last block’s header', async () => {
    expect(whole.logs.length).toBe(26)
    const parts = await splitLogBatch({ client, batch: whole, maxLogs: 7 })
    expect(parts.map((part) => part.logs.length)).toEqual([6, 7, 6, 7])
    await expectParts(parts, 7)
  })

  test('keeps a block with more than maxLogs logs whole, in a part of its own', async () => {
    const parts = await splitLogBatch({ client, batch: whole, maxLogs: 2 })
    expect(parts).toHaveLength(8)
    expect(parts.map((part) => part.logs.length)).toEqual([3, 3, 3, 4, 3, 3, 3, 4])
    await expectParts(parts, 2)
  })

  test('throws ChainMovedError when a split block no longer has the hash its logs carry', async () => {
    const forging: JsonRpcClient = {
      ...client,
      batch: async (calls, options) => {
        const results = await client.batch<{ hash: Hex }>(calls, options)
        return results.map((header) => ({ ...header, hash: `0x${'ab'.repeat(32)}` })) as never
      },
    }
    await expect(splitLogBatch({ client: forging, batch: whole, maxLogs: 7 })).rejects.toBeInstanceOf(ChainMovedError)
  })
})
