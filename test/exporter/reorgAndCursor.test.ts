/**
 * The exporter against a chain that changes under it, through its real WebSocket API:
 * - a reorganisation made with `evm_snapshot`/`evm_revert` and new, different blocks leaves no row of an orphaned
 *   block and streams a retraction of what it took back, then the replacing rows;
 * - a subscriber that resumes with its last cursor after an exporter restart receives every message exactly once.
 */
import { type Hex, numberToHex } from 'viem'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { createChainClient } from '../../src/chain/clients.js'
import { createLogger } from '../../src/core/logger.js'
import { createMetrics } from '../../src/core/metrics.js'
import { type Exporter, startExporter } from '../../src/exporter/index.js'
import { createExporterRepository, type Database } from '../../src/store/index.js'
import { openTestDatabase } from '../database.js'
import { connectTestClient, type TestWebSocketClient } from '../webSocketClient.js'
import { type RegistryChain, startRegistryChain } from './registryChain.js'

const logger = createLogger({ level: 'silent' })
type Message = Record<string, unknown> & { type: string; cursor?: number; data?: unknown[] }

describe('exporter: reorganisations and cursors', () => {
  let chain: RegistryChain

  beforeAll(async () => {
    chain = await startRegistryChain()
  })
  afterAll(async () => {
    await chain?.stop()
  })

  async function start(database: Database): Promise<Exporter> {
    const exporter = await startExporter({
      database,
      client: await createChainClient({ url: chain.rpcUrl }),
      rpcUrl: chain.rpcUrl,
      registry: chain.registry,
      fromBlock: chain.deploymentBlock,
      confirmations: 0,
      pollingIntervalMs: 100,
      address: '127.0.0.1:0',
      logger,
      metrics: createMetrics({ defaultMetrics: false }),
    })
    return exporter
  }

  const operatorKeys = async (url: string) => {
    const client = await connectTestClient(`${url}/query`)
    const answer = (await client.request({ type: 'operator', filter: { from: 0, to: 999 } })) as Message
    await client.close()
    return (answer.data as { index: number; id: number; publicKey: Hex }[]).map((o) => [o.index, o.id, o.publicKey])
  }

  async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
    const deadline = Date.now() + 20_000
    for (;;) {
      const value = await read()
      if (done(value)) return value
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`)
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }

  test('a reorg takes back the orphaned rows, streams a retraction, and indexes the new chain', async () => {
    const { database } = await openTestDatabase()
    const exporter = await start(database)
    const subscriber = await connectTestClient(`${exporter.wsUrl}/stream`)
    try {
      subscriber.send({ type: 'subscribe', cursor: 0 })
      await chain.addOperators(2, 100)
      await waitFor(
        () => operatorKeys(exporter.wsUrl),
        (rows) => rows.length === 2,
        'two operators',
      )

      const snapshot = (await chain.client.request({ method: 'evm_snapshot' as never })) as Hex
      const orphaned = await chain.addOperators(2, 200)
      const before = await waitFor(
        () => operatorKeys(exporter.wsUrl),
        (rows) => rows.length === 4,
        'four operators',
      )
      await chain.client.request({ method: 'evm_revert' as never, params: [snapshot] as never })
      // A different chain, taller than the orphaned one: a new operator 3 and two empty blocks.
      const replacing = await chain.addOperators(1, 300)
      expect(replacing).toEqual([orphaned[0]])
      await chain.client.request({ method: 'anvil_mine' as never, params: [numberToHex(2)] as never })

      const after = await waitFor(
        () => operatorKeys(exporter.wsUrl),
        (rows) => rows.length === 3 && rows[2]?.[2] !== before[2]?.[2],
        'the replacing chain',
      )
      expect(after.slice(0, 2)).toEqual(before.slice(0, 2))
      expect(after[2]?.[0]).toBe(2)

      // Every stored row belongs to the canonical chain: its transaction is there, in the block the row names.
      const rows = (
        await database.query<{ added_block: string; added_transaction: Hex }>(
          'select added_block::text, added_transaction from exporter_operators',
        )
      ).rows
      for (const row of rows) {
        const receipt = await chain.client.getTransactionReceipt({ hash: row.added_transaction })
        expect(receipt.blockNumber).toBe(BigInt(row.added_block))
      }

      // The stream: 4 operators added, a retraction of indexes 2 and 3, then the replacing operator as index 2.
      const streamed = (await subscriber.until(
        (m) => m.type === 'operator' && (m.data as { publicKey: Hex }[])[0]?.publicKey === after[2]?.[2],
      )) as Message[]
      const retraction = streamed.find((m) => m.type === 'retraction')
      expect(retraction?.data).toEqual(
        expect.arrayContaining([
          { type: 'operator', index: 2 },
          { type: 'operator', index: 3 },
        ]),
      )
      expect(streamed.map((m) => m.type)).toEqual([
        'operator',
        'operator',
        'operator',
        'operator',
        'retraction',
        'operator',
      ])
      const cursors = streamed.map((m) => m.cursor as number)
      expect([...cursors].sort((a, b) => a - b)).toEqual(cursors)
    } finally {
      await subscriber.close()
      await exporter.stop()
    }
  })

  test('a subscriber resuming with its cursor after an exporter restart gets every message exactly once', async () => {
    const { database } = await openTestDatabase()
    let exporter = await start(database)
    let subscriber: TestWebSocketClient | undefined
    try {
      await waitFor(
        () => exporter.readiness(),
        (readiness) => readiness.ready,
        'the backfill',
      )
      const existing = (await operatorKeys(exporter.wsUrl)).length
      expect(existing).toBeGreaterThan(0)
      subscriber = await connectTestClient(`${exporter.wsUrl}/stream`)
      subscriber.send({ type: 'subscribe', cursor: 0 })
      await chain.addOperators(3, 400)
      const firstPart = (await subscriber.until(
        (m) => m.type === 'operator' && (m.data as { index: number }[])[0]?.index === existing + 2,
      )) as Message[]
      const lastCursor = firstPart.at(-1)?.cursor as number
      await subscriber.close()

      // Down while the chain moves on, then up again on the same database.
      await exporter.stop()
      await chain.addOperators(3, 500)
      exporter = await start(database)
      // A /stream connection is live until its subscribe arrives: messages committed in that window would come
      // live first and again in the replay (docs/exporter-api.md), so resume once the restarted exporter caught up.
      await waitFor(
        () => exporter.readiness(),
        (readiness) => readiness.ready,
        'the catch-up',
      )
      subscriber = await connectTestClient(`${exporter.wsUrl}/stream`)
      subscriber.send({ type: 'subscribe', cursor: lastCursor })
      await chain.addOperators(2, 600)
      const total = existing + 8
      const secondPart = (await subscriber.until(
        (m) => m.type === 'operator' && (m.data as { index: number }[])[0]?.index === total - 1,
      )) as Message[]

      const received = [...firstPart, ...secondPart]
      const stored = await createExporterRepository(database.db).readStream({ after: 0n, limit: 10_000 })
      expect(received.map((m) => m.cursor)).toEqual(stored.map((row) => Number(row.seq)))
      expect(new Set(received.map((m) => m.cursor)).size).toBe(received.length)
      const indexes = received.flatMap((m) => (m.data as { index: number }[]).map((o) => o.index))
      expect(indexes).toEqual(Array.from({ length: total }, (_, i) => i))
    } finally {
      await subscriber?.close()
      await exporter.stop()
    }
  })
})
