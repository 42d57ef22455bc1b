import type { Hex } from 'viem'
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest'
import { useAnvil } from '../../../test/anvil.js'
import { createMemoryLogSyncTarget } from '../../../test/logSync/memoryLogSyncTarget.js'
import { deployRegistry, emitRegistryLogs, type RegistryChain } from '../../../test/logSync/registryLogs.js'
import {
  logRangeWidth,
  type ProxiedCall,
  type ProxyAnswer,
  type RpcProxy,
  rpcError,
  startRpcProxy,
} from '../../../test/logSync/rpcProxy.js'
import { metricValue, runLogSync } from '../../../test/logSync/runLogSync.js'
import { createJsonRpcClient } from './jsonRpcClient.js'
import { rpcGetLogs } from './rpcGetLogs.js'

/**
 * Log sync against a real HTTP JSON-RPC server in front of anvil that behaves like a hosted provider: it refuses
 * wide ranges or big answers with the provider's own words, fails, or answers logs from another fork.
 */
describe('log sync against a provider that refuses or fails', () => {
  const chain = useAnvil()
  let registry: RegistryChain
  let proxy: RpcProxy

  beforeAll(async () => {
    registry = await deployRegistry(chain.rpcUrl)
    await emitRegistryLogs(registry, { blocks: 16, perBlock: 5, emptyBlocksAfter: 20, seed: 'shrink' })
    proxy = await startRpcProxy(chain.rpcUrl)
  })
  afterAll(() => proxy.close())
  beforeEach(() => proxy.reset())

  async function canonicalLogs() {
    const client = createJsonRpcClient({ url: chain.rpcUrl })
    const head = await registry.publicClient.getBlockNumber()
    return rpcGetLogs(client, { ...registry.filter, fromBlock: 0n, toBlock: head })
  }

  async function syncThroughProxy(
    options: {
      maxResponseBytes?: number
      maxLiveBlocks?: number
      maxRememberedBlocks?: number
      range?: { initial: number; max: number }
    } = {},
  ) {
    const target = createMemoryLogSyncTarget()
    const run = runLogSync({ rpcUrl: proxy.url, filter: registry.filter, fromBlock: 0n, target, ...options })
    await run.sync.caughtUp
    await run.stop()
    expect(target.logs).toEqual(await canonicalLogs())
    return { target, run }
  }

  const refuseWiderThan =
    (limit: number, answer: (call: ProxiedCall) => ProxyAnswer) => (body: ProxiedCall | ProxiedCall[]) =>
      !Array.isArray(body) && body.method === 'eth_getLogs' && logRangeWidth(body) > limit ? answer(body) : undefined

  test.each([
    ['a geth-based node', 50, (call: ProxiedCall) => rpcError(call, -32000, 'exceed maximum block range: 50')],
    ['QuickNode', 40, (call: ProxiedCall) => rpcError(call, -32614, 'eth_getLogs is limited to a 40 range')],
    ['Ankr', 30, (call: ProxiedCall) => rpcError(call, -32600, 'block range is too wide')],
  ])('narrows its ranges to what %s accepts, and keeps them there', async (_provider, limit, answer) => {
    proxy.intercept = refuseWiderThan(limit, answer)
    const { run } = await syncThroughProxy()
    expect(Math.max(...proxy.forwardedLogRanges)).toBeLessThanOrEqual(limit)
    const refusals = proxy.receivedLogRanges.filter((width) => width > limit).length
    expect(refusals).toBeGreaterThan(0)
    // 1000 → 500 → … → under the limit, then the refused width stays a ceiling: no refusal after that.
    expect(refusals).toBeLessThanOrEqual(6)
    expect(await metricValue(run.metrics.logSync.rangeShrinksTotal)).toBe(refusals)
  })

  test('fetches a range it grew as two halves side by side, and commits the same logs', async () => {
    // Held a moment, so the halves meet at the proxy whatever the machine's speed.
    proxy.logDelayMs = 30
    await syncThroughProxy({ range: { initial: 4, max: 1000 } })
    // The first range is a guess (nothing answered yet): 2 + 2 blocks, side by side.
    expect(proxy.receivedLogRanges.slice(0, 2)).toEqual([2, 2])
    expect(proxy.maxLogRequestsInFlight).toBe(2)
  })

  test('halves on HTTP 413', async () => {
    proxy.intercept = refuseWiderThan(64, () => ({ status: 413, text: 'Request Entity Too Large' }))
    await syncThroughProxy()
    expect(Math.max(...proxy.forwardedLogRanges)).toBeLessThanOrEqual(64)
    expect(proxy.receivedLogRanges.some((width) => width > 64)).toBe(true)
  })

  test('narrows to the range an Alchemy refusal suggests, and does not grow back into the refusal', async () => {
    proxy.interceptAnswer = (call, answer) => {
      const logs = answer.result as unknown[] | undefined
      if (call.method !== 'eth_getLogs' || !logs || logs.length <= 12) return undefined
      const { fromBlock } = call.params[0] as { fromBlock: Hex }
      const suggestedEnd = `0x${(BigInt(fromBlock) + 9n).toString(16)}`
      return rpcError(
        call,
        -32602,
        `Log response size exceeded. You can make eth_getLogs requests with up to a 2K block range and no limit on the response size, or you can request any block range with a cap of 10K logs in the response. Based on your parameters, this block range should work: [${fromBlock}, ${suggestedEnd}]`,
      )
    }
    const { target } = await syncThroughProxy()
    expect(Math.max(...target.batches.map((batch) => batch.logs.length))).toBeLessThanOrEqual(12)
  })

  test('halves when an answer is over its own response size cap', async () => {
    // Two headers a request (the range's last block's and the previous checkpoint's): the default, every header of
    // the last 1,024 blocks, would not fit in answers this small (a header is about 2 kB).
    const { target, run } = await syncThroughProxy({ maxResponseBytes: 8000, maxRememberedBlocks: 1 })
    expect(await metricValue(run.metrics.logSync.rangeShrinksTotal)).toBeGreaterThan(0)
    for (const batch of target.batches)
      expect(JSON.stringify(batch.logs, (_k, v) => String(v)).length).toBeLessThan(9000)
  })

  test('retries a failing node with backoff and says so once per streak', async () => {
    let failures = 3
    proxy.intercept = () => (failures-- > 0 ? { status: 503, text: 'Service Unavailable' } : undefined)
    const { run } = await syncThroughProxy()
    expect(run.lines.filter((line) => /the node failed; retrying/.test(line.msg))).toHaveLength(1)
    expect(run.lines.filter((line) => /the node works again/.test(line.msg))).toHaveLength(1)
    const warning = run.lines.find((line) => /the node failed; retrying/.test(line.msg))!
    expect(warning.level).toBe(40)
    expect(JSON.stringify(warning)).toMatch(/HTTP 503/)
  })

  test.each([
    ['following the head (every header fetched)', { maxLiveBlocks: 1000 }],
    ['backfilling (the last block of each range checked)', { range: { initial: 1, max: 1 } }],
  ])('refetches logs that carry another hash than the header fetched beside them, %s', async (_mode, options) => {
    let tampered = false
    proxy.interceptAnswer = (call, answer) => {
      const logs = answer.result as { blockHash: Hex }[] | undefined
      if (tampered || call.method !== 'eth_getLogs' || !logs?.length) return undefined
      tampered = true
      logs[logs.length - 1]!.blockHash = `0x${'ee'.repeat(32)}`
      return { json: answer }
    }
    const { run } = await syncThroughProxy(options)
    expect(tampered).toBe(true)
    const warning = run.lines.find((line) => /the node failed; retrying/.test(line.msg))
    expect(JSON.stringify(warning)).toMatch(/carries hash 0xeeee/)
  })
})
