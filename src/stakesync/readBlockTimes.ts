import type { ChainClient } from '../chain/clients.js'
import { toChainError } from '../chain/errors.js'

/** Unix times (ms) of the given blocks, one `eth_getBlockByNumber` per distinct block; block 0 is left out. */
export async function readBlockTimes(client: ChainClient, blocks: Iterable<bigint>): Promise<Map<bigint, number>> {
  const distinct = [...new Set(blocks)].filter((block) => block > 0n)
  const times = new Map<bigint, number>()
  await Promise.all(
    distinct.map(async (blockNumber) => {
      try {
        const block = await client.getBlock({ blockNumber })
        times.set(blockNumber, Number(block.timestamp) * 1000)
      } catch (error) {
        throw toChainError(error, { functionName: 'eth_getBlockByNumber' })
      }
    }),
  )
  return times
}
