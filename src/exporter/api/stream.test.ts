import type { Socket } from 'node:net'
import { describe, expect, test } from 'vitest'
import { testDatabaseKind, useDatabase } from '../../../test/database.js'
import { startTestExporterApi } from '../../../test/exporterApi.js'
import {
  at,
  operatorAdded,
  operatorRemoved,
  taskDecided,
  testCertificate,
  testTaskManager,
  validatorAdded,
} from '../../../test/exporterEvents.js'
import type { ExporterEvent } from '../../store/index.js'
import { createExporterRepository } from '../../store/index.js'

type Message = Record<string, unknown>
const cursorOf = (message: Message) => message.cursor as number

/** A certificate of about `bytes` bytes of JSON, to fill socket buffers with few messages. */
function bigCertificate(bytes: number) {
  const pubkeys = Array.from({ length: Math.ceil(bytes / 170) }, (_, i) => ({
    X: (10n ** 70n + BigInt(i)).toString(),
    Y: (10n ** 70n + BigInt(i)).toString(),
  }))
  return { ...testCertificate, nonSignerPubkeys: pubkeys }
}

describe('exporter /stream', () => {
  const ctx = useDatabase()

  test('pushes every new row, removal and decided task in the /query shape with its cursor', async () => {
    const exporter = createExporterRepository(ctx.database.db)
    await exporter.applyEvents([operatorAdded(1, at(1))])
    const api = await startTestExporterApi(ctx.database)
    const stream = await api.connect('/stream')
    const query = await api.connect('/query')

    await exporter.applyEvents([operatorAdded(2, at(2)), validatorAdded(1, [1, 2], at(2, 1))])
    await exporter.applyEvents([taskDecided(4, at(3)), operatorRemoved(1, at(3, 1))])
    const pushed = [await stream.next(), await stream.next(), await stream.next(), await stream.next()]
    expect(pushed.map((m) => [m.type, cursorOf(m)])).toEqual([
      ['operator', 2],
      ['validator', 3],
      ['decided', 4],
      ['operator', 5],
    ])
    // A pushed message is the answer to the query for its one item, plus the cursor.
    const { cursor, ...validator } = pushed[1] as Message
    expect(validator).toEqual(await query.request({ type: 'validator', filter: { from: 0, to: 0 } }))
    const { cursor: _, ...decided } = pushed[2] as Message
    expect(decided).toEqual(
      await query.request({
        type: 'decided',
        filter: { from: 4, to: 4, role: 'TASK', publicKey: testTaskManager },
      }),
    )
    expect(pushed[3]).toMatchObject({ data: [{ index: 0, removed: true, blockNumber: 3 }] })
  })

  test('a subscriber with a cursor gets the history, then live messages, with no gap and no duplicate', async () => {
    const exporter = createExporterRepository(ctx.database.db)
    let block = 1
    const batch = (size: number): ExporterEvent[] => {
      block += 1
      return Array.from({ length: size }, (_, i) =>
        i % 3 === 2 ? taskDecided(block * 100 + i, at(block, i)) : validatorAdded(block * 100 + i, [1], at(block, i)),
      )
    }
    for (let i = 0; i < 5; i++) await exporter.applyEvents(batch(40))
    // Small pages, so the replay takes several reads while the writer keeps going.
    const api = await startTestExporterApi(ctx.database, { streamPageSize: 16 })
    const stream = await api.connect('/stream')

    let writing = true
    const writer = (async () => {
      while (writing) {
        await exporter.applyEvents(batch(7))
        await new Promise((resolve) => setTimeout(resolve, 5))
      }
    })()
    await new Promise((resolve) => setTimeout(resolve, 100))
    stream.send({ type: 'subscribe', cursor: 30 })
    await new Promise((resolve) => setTimeout(resolve, 400))
    writing = false
    await writer
    const head = await exporter.streamHead()
    const received = await stream.until((m) => BigInt(cursorOf(m)) === head)
    // The live messages sent before the subscription came first; from the subscription on, every seq after 30 once.
    const start = received.findIndex((m) => cursorOf(m) === 31)
    expect(start).toBeGreaterThanOrEqual(0)
    const cursors = received.slice(start).map(cursorOf)
    expect(cursors).toEqual(Array.from({ length: Number(head) - 30 }, (_, i) => 31 + i))
    expect(cursors.length).toBeGreaterThan(200)
  })

  test('filters a subscription by type and public key; retractions always pass', async () => {
    const exporter = createExporterRepository(ctx.database.db)
    const other = '0x00000000000000000000000000000000000000aa'
    await exporter.applyEvents([
      operatorAdded(1, at(1)),
      taskDecided(1, at(2)),
      taskDecided(1, at(2, 1), { taskManager: other }),
      taskDecided(2, at(3)),
    ])
    const api = await startTestExporterApi(ctx.database)
    const stream = await api.connect('/stream')
    stream.send({
      type: 'subscribe',
      cursor: 0,
      filter: { types: ['decided'], publicKey: testTaskManager.toUpperCase().replace('0X', '0x') },
    })
    expect([await stream.next(), await stream.next()].map(cursorOf)).toEqual([2, 4])
    await exporter.rollback('exporter', 2n)
    await exporter.applyEvents([taskDecided(3, at(3, 0, 'b'), { taskManager: other }), taskDecided(3, at(4, 0, 'b'))])
    const retraction = await stream.next()
    expect(retraction).toEqual({
      type: 'retraction',
      data: [{ type: 'decided', publicKey: testTaskManager, seq_number: 2 }],
      blockNumber: 2,
      cursor: 5,
    })
    expect(cursorOf(await stream.next())).toBe(7)
  })

  test('a rollback streams a retraction, then the rows whose removal it undid', async () => {
    const exporter = createExporterRepository(ctx.database.db)
    await exporter.applyEvents([operatorAdded(1, at(1)), operatorAdded(2, at(1, 1))])
    const api = await startTestExporterApi(ctx.database)
    const stream = await api.connect('/stream')
    await exporter.applyEvents([operatorRemoved(1, at(2, 0, 'a')), operatorAdded(3, at(2, 1, 'a'))])
    expect([await stream.next(), await stream.next()].map((m) => m.data)).toEqual([
      [expect.objectContaining({ index: 0, removed: true })],
      [expect.objectContaining({ index: 2, removed: false })],
    ])
    await exporter.rollback('exporter', 1n)
    expect(await stream.next()).toEqual({
      type: 'retraction',
      data: [{ type: 'operator', index: 2 }],
      blockNumber: 1,
      cursor: 5,
    })
    expect(await stream.next()).toMatchObject({
      type: 'operator',
      data: [{ index: 0, removed: false, blockNumber: 1 }],
      cursor: 6,
    })
  })

  test('a client that stops reading is told it lagged and disconnected, never silently skipped', async () => {
    const exporter = createExporterRepository(ctx.database.db)
    const api = await startTestExporterApi(ctx.database, { maxSendBufferBytes: 256 * 1024, closeTimeoutMs: 30_000 })
    const slow = await api.connect('/stream')
    const fast = await api.connect('/stream')
    const socket = (slow.ws as unknown as { _socket: Socket })._socket
    socket.pause()
    const certificate = bigCertificate(200_000)
    let taskIndex = 0
    // Until the paused client's kernel buffers and then its server-side buffer are full.
    while ((await api.metrics.exporter.laggedDisconnectsTotal.get()).values[0]?.value !== 1) {
      const events = Array.from({ length: 10 }, () => taskDecided(taskIndex++, at(taskIndex, 0), { certificate }))
      await exporter.applyEvents(events)
      await fast.until((m) => cursorOf(m) === taskIndex, 30_000)
      if (taskIndex > 2_000) throw new Error('the paused client was never told it lagged')
    }
    socket.resume()
    const received = await slow.until((m) => m.type === 'lagged', 60_000)
    const lagged = received.pop() as Message
    const last = received.at(-1) as Message
    expect(lagged).toEqual({ type: 'lagged', cursor: cursorOf(last) })
    expect(received.map(cursorOf)).toEqual(Array.from({ length: received.length }, (_, i) => i + 1))
    expect(await slow.closed).toEqual({ code: 4008, reason: 'lagged' })
    // The fast client kept everything.
    expect(cursorOf(await fast.request({ type: 'subscribe', cursor: taskIndex - 1 }))).toBe(taskIndex)
  })

  test('refuses what /stream does not take, a cursor ahead of the stream, and peers that stop answering pings', async () => {
    const exporter = createExporterRepository(ctx.database.db)
    await exporter.applyEvents([operatorAdded(1, at(1))])
    const api = await startTestExporterApi(ctx.database, { heartbeatIntervalMs: 200 })
    const stream = await api.connect('/stream')
    expect(await stream.request({ type: 'operator', filter: { from: 0, to: 0 } })).toEqual({
      type: 'error',
      filter: { from: 0, to: 0 },
      data: [
        `bad request - /stream takes {"type": "subscribe", "filter"?: {…}, "cursor"?: <seq>}; send 'operator' queries to /query`,
      ],
    })
    expect(await stream.request({ type: 'subscribe', filter: { types: ['blocks'] } })).toMatchObject({
      data: ['bad request - filter.types must be a list of "operator", "validator" and "decided", got ["blocks"]'],
    })
    expect(await stream.request({ type: 'subscribe', cursor: 99 })).toMatchObject({
      data: ['bad request - cursor 99 is ahead of the stream (its last message is 1); streaming live from here'],
    })
    await exporter.applyEvents([operatorAdded(2, at(2))])
    expect(await stream.next()).toMatchObject({ type: 'operator', cursor: 2 })

    const silent = await api.connect('/stream', { autoPong: false })
    expect((await silent.closed).code).toBe(1006)
    await expect.poll(() => api.connections).toBe(1)
  })
})

describe.runIf(testDatabaseKind === 'postgres')('exporter /stream on PostgreSQL replicas', () => {
  const ctx = useDatabase()

  test('two API processes on one database both stream what a third writes (LISTEN/NOTIFY)', async () => {
    const [first, second, writer] = await Promise.all([ctx.openAnother(), ctx.openAnother(), ctx.openAnother()])
    const apis = await Promise.all([startTestExporterApi(first), startTestExporterApi(second)])
    const clients = await Promise.all(apis.map((api) => api.connect('/stream')))
    const exporter = createExporterRepository(writer.db)
    for (let i = 0; i < 5; i++) await exporter.applyEvents([operatorAdded(i + 1, at(i + 1))])
    for (const client of clients) {
      const received = await client.until((m) => cursorOf(m) === 5)
      expect(received.map(cursorOf)).toEqual([1, 2, 3, 4, 5])
    }
  })
})
