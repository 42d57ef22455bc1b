import { beforeAll, describe, expect, test } from 'vitest'
import { useAnvil } from '../../../test/anvil.js'
import { createMemoryLogSyncTarget } from '../../../test/logSync/memoryLogSyncTarget.js'
import { deployRegistry, emitRegistryLogs, type RegistryChain } from '../../../test/logSync/registryLogs.js'
import { metricValue, runLogSync, waitFor } from '../../../test/logSync/runLogSync.js'
import { createJsonRpcClient } from './jsonRpcClient.js'
import { rpcGetBlockHeader } from './rpcBlocks.js'
import { rpcGetLogs } from './rpcGetLogs.js'

/**
 * Reorganisations made on anvil: `evm_snapshot` at the block log sync has reached, new blocks it indexes, then
 * `evm_revert` to the snapshot and different blocks in their place. Log sync must roll the target back to the
 * snapshot's block (the common ancestor) and index the replacement.
 */
describe('syncLogs across a reorganisation', () => {
  const chain = useAnvil()
  let registry: RegistryChain
  let round = 0

  beforeAll(async () => {
    registry = await deployRegistry(chain.rpcUrl)
    await emitRegistryLogs(registry, { blocks: 6, perBlock: 3, emptyBlocksAfter: 10, seed: 'base' })
  })

  async function canonicalLogs() {
    const client = createJsonRpcClient({ url: chain.rpcUrl })
    const head = await registry.publicClient.getBlockNumber()
    return { head, logs: await rpcGetLogs(client, { ...registry.filter, fromBlock: 0n, toBlock: head }) }
  }

  test.each([
    ['a taller chain', 4],
    ['a chain as tall', 3],
    ['a shorter chain', 2],
  ])('rolls back to the common ancestor when the indexed blocks are replaced by %s', async (_what, replacement) => {
    round++
    const target = createMemoryLogSyncTarget()
    const run = runLogSync({
      rpcUrl: chain.rpcUrl,
      filter: registry.filter,
      fromBlock: 0n,
      pollingInterval: 20,
      target,
    })
    await run.sync.caughtUp
    const client = createJsonRpcClient({ url: chain.rpcUrl })
    const ancestor = (await rpcGetBlockHeader(client, 'latest'))!
    expect(target.checkpoint).toBe(ancestor.number)
    const snapshot = await registry.testClient.snapshot()

    await emitRegistryLogs(registry, { blocks: 3, perBlock: 2, seed: `orphaned ${round}` })
    const orphaned = await canonicalLogs()
    await waitFor(() => target.checkpoint === orphaned.head, 'the orphaned blocks indexed')

    await registry.testClient.revert({ id: snapshot })
    await emitRegistryLogs(registry, { blocks: replacement, perBlock: 1, seed: `replacement ${round}` })
    const replaced = await canonicalLogs()
    await waitFor(
      () => target.rollbacks.length > 0 && target.checkpoint === replaced.head,
      'the rollback and the replacement indexed',
    )
    await run.stop()

    expect(target.rollbacks).toEqual([ancestor])
    expect(target.logs).toEqual(replaced.logs)
    expect(
      target.logs.some((log) =>
        orphaned.logs.some(
          (gone) => gone.transactionHash === log.transactionHash && gone.blockNumber > ancestor.number,
        ),
      ),
    ).toBe(false)
    expect(await metricValue(run.metrics.logSync.reorgsTotal)).toBe(1)
    expect(await metricValue(run.metrics.logSync.rolledBackBlocksTotal)).toBe(Number(orphaned.head - ancestor.number))
    const warning = run.lines.find((line) => line.msg === 'chain reorganised: rolling back to the common ancestor')
    expect(warning).toMatchObject({ level: 40, ancestor: Number(ancestor.number) })
  })

  test('rolls back everything when no remembered block survives, then indexes from fromBlock again', async () => {
    round++
    const snapshot = await registry.testClient.snapshot()
    const start = (await registry.publicClient.getBlockNumber()) + 1n
    await emitRegistryLogs(registry, { blocks: 2, perBlock: 2, seed: `orphaned ${round}` })
    const target = createMemoryLogSyncTarget()
    const run = runLogSync({
      rpcUrl: chain.rpcUrl,
      filter: registry.filter,
      fromBlock: start,
      pollingInterval: 20,
      target,
    })
    await run.sync.caughtUp
    expect(target.logs.length).toBe(4)

    await registry.testClient.revert({ id: snapshot })
    await emitRegistryLogs(registry, { blocks: 3, perBlock: 1, seed: `replacement ${round}` })
    const replaced = await canonicalLogs()
    await waitFor(() => target.rollbacks.length > 0 && target.checkpoint === replaced.head, 'the replacement indexed')
    await run.stop()

    expect(target.rollbacks).toEqual([undefined])
    expect(target.logs).toEqual(replaced.logs.filter((log) => log.blockNumber >= start))
    expect(run.lines.some((line) => line.msg === 'chain reorganised: rolling back everything')).toBe(true)
  })
})
