import { type Log, parseEventLogs } from 'viem'
import { beforeAll, describe, expect, test } from 'vitest'
import { useAnvil } from '../../../test/anvil.js'
import { createMemoryLogSyncTarget } from '../../../test/logSync/memoryLogSyncTarget.js'
import { deployRegistry, emitRegistryLogs, type RegistryChain } from '../../../test/logSync/registryLogs.js'
import { metricValue, runLogSync, waitFor } from '../../../test/logSync/runLogSync.js'
import { networkRegistryAbi } from '../artifacts/index.js'
import { createEventDecoder } from './eventDecoder.js'
import { createJsonRpcClient } from './jsonRpcClient.js'
import { rpcGetBlockHeaders } from './rpcBlocks.js'
import { rpcGetLogs } from './rpcGetLogs.js'
import type { LogRecord } from './types.js'

describe('syncLogs', () => {
  const chain = useAnvil()
  let registry: RegistryChain

  beforeAll(async () => {
    registry = await deployRegistry(chain.rpcUrl)
    await emitRegistryLogs(registry, { blocks: 24, perBlock: 6, emptyBlocksAfter: 25, seed: 'base' })
  })

  /** What one eth_getLogs over the whole chain answers. */
  async function allLogs() {
    const head = await registry.publicClient.getBlockNumber()
    const client = createJsonRpcClient({ url: chain.rpcUrl })
    return { head, logs: await rpcGetLogs(client, { ...registry.filter, fromBlock: 0n, toBlock: head }) }
  }

  const keyOf = (log: LogRecord) => `${log.blockNumber}:${log.logIndex}`

  test('backfills exactly the logs one eth_getLogs over the whole chain returns', async () => {
    const target = createMemoryLogSyncTarget()
    const run = runLogSync({
      rpcUrl: chain.rpcUrl,
      filter: registry.filter,
      fromBlock: 0n,
      range: { initial: 16, targetLogs: 12 },
      maxLiveBlocks: 10,
      target,
    })
    const { sync } = run
    await sync.caughtUp
    await run.stop()

    const { head, logs } = await allLogs()
    expect(logs.length).toBeGreaterThan(140)
    expect(target.logs).toEqual(logs)
    expect(target.checkpoint).toBe(head)
    expect(sync.status).toEqual({ headBlock: head, syncedBlock: head, caughtUp: true })

    // The same logs through viem's own client and decoder.
    const viemLogs = await registry.publicClient.getLogs({ address: registry.registry, fromBlock: 0n, toBlock: head })
    expect(target.logs.map(keyOf)).toEqual(viemLogs.map((log) => `${log.blockNumber}:${log.logIndex}`))
    const decoders = new Map(
      networkRegistryAbi
        .filter((item) => item.type === 'event')
        .map((event) => {
          const decoder = createEventDecoder(event, { checksumAddresses: true })
          return [decoder.topic0, decoder] as const
        }),
    )
    const decoded = target.logs.map((log) => decoders.get(log.topics[0]!)!.decode(log))
    const parsed = parseEventLogs({ abi: networkRegistryAbi, logs: viemLogs as Log[] })
    expect(decoded).toEqual(parsed.map((log) => log.args))

    // Each batch carries the node's header of its last block; ranges adapted (grew over empty stretches).
    const client = createJsonRpcClient({ url: chain.rpcUrl })
    const headers = await rpcGetBlockHeaders(
      client,
      target.batches.map((batch) => batch.toBlock),
    )
    expect(target.batches.map((batch) => batch.blocks.at(-1))).toEqual(headers)
    const widths = target.batches.map((batch) => Number(batch.toBlock - batch.fromBlock + 1n))
    expect(Math.max(...widths)).toBeGreaterThan(16)
    expect(await metricValue(run.metrics.logSync.logsTotal)).toBe(logs.length)
    expect(await metricValue(run.metrics.logSync.syncedBlock)).toBe(Number(head))
  })

  test('commits a range denser than the target log count as several batches, prepared in order, the first committed at once', async () => {
    const target = createMemoryLogSyncTarget()
    const prepared: bigint[] = []
    const committedBeforePrepare: number[] = []
    const run = runLogSync({
      rpcUrl: chain.rpcUrl,
      filter: registry.filter,
      fromBlock: 0n,
      // One request covers the whole chain: its logs arrive as one answer, far over the target.
      range: { initial: 1000, targetLogs: 10 },
      maxLiveBlocks: 10,
      target: {
        ...target,
        commit: (batch) => target.commit(batch),
        prepare: (batch) => {
          prepared.push(batch.toBlock)
          committedBeforePrepare.push(target.batches.length)
        },
      },
    })
    await run.sync.caughtUp
    await run.stop()
    const { head, logs } = await allLogs()
    expect(target.logs).toEqual(logs)
    // Split at block boundaries: at most 10 logs a batch, or a single block of more.
    expect(target.batches.length).toBeGreaterThanOrEqual(logs.length / 10)
    for (const batch of target.batches) {
      if (batch.logs.length > 10) expect(new Set(batch.logs.map((log) => log.blockNumber)).size).toBe(1)
    }
    const headers = await rpcGetBlockHeaders(
      createJsonRpcClient({ url: chain.rpcUrl }),
      target.batches.map((batch) => batch.toBlock),
    )
    expect(target.batches.map((batch) => batch.blocks.at(-1))).toEqual(headers)
    expect(target.checkpoint).toBe(head)
    // Every batch of the backfill was prepared when fetched, in order, each before its commit; the dense answer's
    // first part was committed while the next ones were still being prepared.
    expect(prepared.slice(0, target.batches.length)).toEqual(target.batches.map((batch) => batch.toBlock))
    for (const [i, committed] of committedBeforePrepare.entries()) expect(committed).toBeLessThanOrEqual(i)
    expect(committedBeforePrepare[1]).toBe(1)
  })

  test('a backfill carries every header of the last maxRememberedBlocks blocks, linked, whatever its ranges', async () => {
    const runTo = async (range: { initial: number; max?: number; targetLogs?: number }) => {
      const target = createMemoryLogSyncTarget()
      const run = runLogSync({
        rpcUrl: chain.rpcUrl,
        filter: registry.filter,
        fromBlock: 0n,
        range,
        maxLiveBlocks: 5,
        maxRememberedBlocks: 40,
        target,
      })
      await run.sync.caughtUp
      await run.stop()
      return target
    }
    const { head } = await allLogs()
    const wide = await runTo({ initial: 1000 })
    const narrow = await runTo({ initial: 7, max: 7, targetLogs: 3 })
    for (const target of [wide, narrow]) {
      const recent = target.blocks.filter((block) => block.number > head - 40n)
      expect(recent.map((block) => block.number)).toEqual(Array.from({ length: 40 }, (_, i) => head - 39n + BigInt(i)))
      for (let i = 1; i < recent.length; i++) expect(recent[i]?.parentHash).toBe(recent[i - 1]?.hash)
    }
    expect(wide.blocks.filter((block) => block.number > head - 40n)).toEqual(
      narrow.blocks.filter((block) => block.number > head - 40n),
    )
  })

  test('resumes after a stop in the middle of a commit without losing or repeating a log', async () => {
    const target = createMemoryLogSyncTarget()
    const parameters = {
      rpcUrl: chain.rpcUrl,
      filter: registry.filter,
      fromBlock: 0n,
      range: { initial: 20, max: 20 },
      maxLiveBlocks: 10,
    }
    let first: ReturnType<typeof runLogSync> | undefined
    target.beforeCommit = async () => {
      if (target.batches.length === 2) {
        first!.controller.abort()
        // The sync must wait for this commit, not return while it is half done.
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
    }
    first = runLogSync({ ...parameters, target })
    await first.sync.done
    expect(target.inFlight).toBe(0)
    expect(target.batches).toHaveLength(3)
    await expect(first.sync.caughtUp).rejects.toThrow(/stopped before it caught up/)

    target.beforeCommit = undefined
    const second = runLogSync({ ...parameters, target })
    await second.sync.caughtUp
    await second.stop()
    const { logs } = await allLogs()
    expect(new Set(target.logs.map(keyOf)).size).toBe(target.logs.length)
    expect(target.logs).toEqual(logs)
    expect(second.lines.some((line) => line.msg === 'log sync resuming')).toBe(true)
  })

  test('follows the head: new blocks come with every header, linked to the last one', async () => {
    const target = createMemoryLogSyncTarget()
    const run = runLogSync({
      rpcUrl: chain.rpcUrl,
      filter: registry.filter,
      fromBlock: 0n,
      pollingInterval: 30,
      target,
    })
    await run.sync.caughtUp
    const before = target.batches.length
    await emitRegistryLogs(registry, { blocks: 3, perBlock: 2, emptyBlocksAfter: 1, seed: 'follow' })
    const { head, logs } = await allLogs()
    await waitFor(() => target.checkpoint === head, `block ${head} committed`)
    await run.stop()
    expect(target.logs).toEqual(logs)
    const live = target.batches.slice(before)
    for (const batch of live) {
      expect(batch.blocks.map((block) => block.number)).toEqual(
        Array.from({ length: Number(batch.toBlock - batch.fromBlock + 1n) }, (_, i) => batch.fromBlock + BigInt(i)),
      )
    }
    const blocks = live.flatMap((batch) => batch.blocks)
    for (let i = 1; i < blocks.length; i++) expect(blocks[i]!.parentHash).toBe(blocks[i - 1]!.hash)
  })

  test('stays `confirmations` blocks behind the head', async () => {
    const target = createMemoryLogSyncTarget()
    const run = runLogSync({
      rpcUrl: chain.rpcUrl,
      filter: registry.filter,
      fromBlock: 0n,
      confirmations: 5,
      pollingInterval: 20,
      target,
    })
    await run.sync.caughtUp
    expect(target.checkpoint).toBe((await allLogs()).head - 5n)
    await emitRegistryLogs(registry, { blocks: 2, perBlock: 1, emptyBlocksAfter: 1, seed: 'confirmations' })
    const { head, logs } = await allLogs()
    await waitFor(() => target.checkpoint === head - 5n, `block ${head - 5n} committed`)
    await new Promise((resolve) => setTimeout(resolve, 100))
    await run.stop()
    expect(target.checkpoint).toBe(head - 5n)
    expect(target.logs).toEqual(logs.filter((log) => log.blockNumber <= head - 5n))
    expect(run.sync.status).toMatchObject({ headBlock: head, syncedBlock: head - 5n, caughtUp: true })
  })

  test('wakes on newHeads over a WebSocket instead of waiting for the next poll', async () => {
    const target = createMemoryLogSyncTarget()
    const run = runLogSync({
      rpcUrl: chain.rpcUrl,
      wsUrl: chain.rpcUrl.replace(/^http/, 'ws'),
      filter: registry.filter,
      fromBlock: 0n,
      pollingInterval: 60_000,
      target,
    })
    await run.sync.caughtUp
    await waitFor(() => run.lines.some((line) => line.msg === 'subscribed to newHeads'), 'the subscription')
    await emitRegistryLogs(registry, { blocks: 1, perBlock: 2, seed: 'ws' })
    const { head, logs } = await allLogs()
    await waitFor(() => target.checkpoint === head, `block ${head} committed`, 3000)
    await run.stop()
    expect(target.logs).toEqual(logs)
  })

  test('keeps following by polling when the WebSocket cannot connect', async () => {
    const target = createMemoryLogSyncTarget()
    const run = runLogSync({
      rpcUrl: chain.rpcUrl,
      wsUrl: 'ws://127.0.0.1:1',
      filter: registry.filter,
      fromBlock: 0n,
      pollingInterval: 30,
      target,
    })
    await run.sync.caughtUp
    await emitRegistryLogs(registry, { blocks: 1, perBlock: 1, seed: 'no-ws' })
    const { head } = await allLogs()
    await waitFor(() => target.checkpoint === head, `block ${head} committed`)
    await run.stop()
    expect(run.lines.filter((line) => /newHeads subscription .* failed; retrying/.test(line.msg))).toHaveLength(1)
  })

  test('stops at once on abort while waiting for the next block', async () => {
    const run = runLogSync({
      rpcUrl: chain.rpcUrl,
      filter: registry.filter,
      fromBlock: 0n,
      pollingInterval: 60_000,
      target: createMemoryLogSyncTarget(),
    })
    await run.sync.caughtUp
    const started = Date.now()
    await run.stop()
    expect(Date.now() - started).toBeLessThan(500)
  })

  test("ends with the target's error when a commit fails", async () => {
    const target = createMemoryLogSyncTarget()
    const failure = new Error('disk full')
    target.beforeCommit = () => {
      if (target.batches.length === 1) throw failure
    }
    const run = runLogSync({
      rpcUrl: chain.rpcUrl,
      filter: registry.filter,
      fromBlock: 0n,
      range: { initial: 50, max: 50 },
      target,
    })
    await expect(run.sync.done).rejects.toBe(failure)
    await expect(run.sync.caughtUp).rejects.toBe(failure)
    expect(target.batches).toHaveLength(1)
  })

  test('refuses bad parameters with a clear error', async () => {
    const base = { rpcUrl: chain.rpcUrl, filter: registry.filter, fromBlock: 0n }
    const target = createMemoryLogSyncTarget()
    await expect(runLogSync({ ...base, wsUrl: 'http://x', target }).sync.done).rejects.toThrow(
      /wsUrl must be a ws: or wss: URL/,
    )
    await expect(runLogSync({ ...base, confirmations: -1, target }).sync.done).rejects.toThrow(
      /confirmations must be a whole number/,
    )
    await expect(runLogSync({ ...base, rpcUrl: 'postgres://u:secret@h/x', target }).sync.done).rejects.toThrow(
      /rpcUrl must be a http: or https: URL/,
    )
  })
})
