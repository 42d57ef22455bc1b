import { describe, expect, test } from 'vitest'
import { useDatabase } from '../../../test/database.js'
import { startTestExporterApi } from '../../../test/exporterApi.js'
import {
  at,
  operatorAdded,
  taskDecided,
  testOwner,
  testTaskManager,
  validatorAdded,
  validatorKey,
} from '../../../test/exporterEvents.js'
import { connectTestClient } from '../../../test/webSocketClient.js'
import { createExporterRepository, decidedMessage, operatorMessage } from '../../store/index.js'

const corruptJsonError = (detail: string) => ({
  type: 'error',
  filter: { from: 0, to: 0 },
  data: ['could not parse network message', detail],
})
const badRequest = (line: string) => ({ type: 'error', filter: { from: 0, to: 0 }, data: [`bad request - ${line}`] })

describe('exporter /query', () => {
  const ctx = useDatabase()

  test('answers operator, validator and decided ranges inclusively, echoing the request', async () => {
    const exporter = createExporterRepository(ctx.database.db)
    await exporter.applyEvents([
      ...Array.from({ length: 7 }, (_, i) => operatorAdded(i + 1, at(1, i))),
      validatorAdded(1, [1, 2, 3, 4], at(2)),
      taskDecided(0, at(3)),
      taskDecided(1, at(3, 1)),
    ])
    const api = await startTestExporterApi(ctx.database)
    const client = await api.connect('/query')

    const operators = await client.request({ type: 'operator', filter: { from: 0, to: 4 } })
    expect(operators.type).toBe('operator')
    expect(operators.filter).toEqual({ from: 0, to: 4 })
    expect((operators.data as { index: number }[]).map((o) => o.index)).toEqual([0, 1, 2, 3, 4])
    const stored = await exporter.listOperators({ from: 0, to: 0 })
    expect((operators.data as unknown[])[0]).toEqual({
      ...operatorMessage(stored[0] as (typeof stored)[0]),
      ownerAddress: testOwner,
    })
    expect(Object.keys((operators.data as object[])[0] as object)).toEqual([
      'index',
      'id',
      'publicKey',
      'ownerAddress',
      'fee',
      'removed',
      'blockNumber',
      'transactionHash',
    ])

    // Other fields of the request come back too (a client can match answers by its own id).
    expect(await client.request({ type: 'operator', filter: { from: 5, to: 100 }, id: 'q2' })).toEqual({
      type: 'operator',
      filter: { from: 5, to: 100 },
      id: 'q2',
      data: [expect.objectContaining({ index: 5 }), expect.objectContaining({ index: 6 })],
    })
    expect(await client.request({ type: 'operator', filter: { from: 7, to: 9 } })).toEqual({
      type: 'operator',
      filter: { from: 7, to: 9 },
      data: [],
    })
    // SSV's example omits "to": everything from `from`, up to the range limit.
    expect(((await client.request({ type: 'operator', filter: { from: 3 } })).data as unknown[]).length).toBe(4)

    const validators = await client.request({ type: 'validator', filter: { from: 0, to: 0 } })
    expect(validators.data).toEqual([
      {
        index: 0,
        publicKey: validatorKey(1),
        ownerAddress: testOwner,
        operators: [1, 2, 3, 4].map((nodeId, i) => ({
          nodeId,
          publicKey: (operators.data as { publicKey: string }[])[i]?.publicKey,
        })),
        removed: false,
        blockNumber: 2,
        transactionHash: at(2).transactionHash,
      },
    ])

    const decided = await client.request({
      type: 'decided',
      filter: { from: 1, to: 1, role: 'TASK', publicKey: testTaskManager.toLowerCase() },
    })
    const [row] = await exporter.listDecided({ taskManager: testTaskManager, from: 1, to: 1 })
    expect(decided.data).toEqual([decidedMessage(row as NonNullable<typeof row>)])
    expect((decided.data as { message: unknown }[])[0]?.message).toEqual({
      type: 3,
      round: 1,
      lambda: testTaskManager,
      seq_number: 1,
      value: expect.stringMatching(/^0x[0-9a-f]{64}$/),
    })
    expect(
      await client.request({
        type: 'decided',
        filter: { from: 0, to: 1, role: 'ATTESTER', publicKey: testTaskManager },
      }),
    ).toMatchObject({ data: [] })
  })

  test('refuses bad requests with the SSV error envelope and keeps the connection open', async () => {
    const api = await startTestExporterApi(ctx.database, { maxQueryRange: 100 })
    const client = await api.connect('/query')
    const corrupt = await client.request('{"type": "operator", "filter": ')
    expect(corrupt).toEqual(corruptJsonError(expect.any(String) as unknown as string))
    expect((corrupt.data as string[])[1]).toMatch(/JSON/)
    expect(await client.request({ type: 'foo', filter: { from: 0, to: 0 } })).toEqual({
      type: 'error',
      filter: { from: 0, to: 0 },
      data: ["bad request - unknown message type 'foo'"],
    })
    expect(await client.request('[1, 2]')).toEqual(
      corruptJsonError('expected a JSON object {"type": …, "filter": {…}}, got an array'),
    )
    expect(await client.request({ filter: { from: 0 } })).toEqual(
      badRequest('missing "type": expected "operator", "validator" or "decided"'),
    )
    expect(await client.request({ type: 'operator', filter: { from: 5, to: 3 } })).toEqual(
      badRequest('filter.to (3) is below filter.from (5)'),
    )
    expect(await client.request({ type: 'operator', filter: { from: 0, to: 100 } })).toEqual(
      badRequest('range [0, 100] holds 101 items; at most 100 per query'),
    )
    expect(await client.request({ type: 'validator', filter: { from: '0', to: 3 } })).toEqual(
      badRequest('filter.from must be a non-negative integer, got "0"'),
    )
    expect(await client.request({ type: 'validator', filter: { from: -1, to: 3 } })).toEqual(
      badRequest('filter.from must be a non-negative integer, got number -1'),
    )
    expect(await client.request({ type: 'operator' })).toEqual(
      badRequest('missing "filter": expected {"from": <first>, "to": <last>}'),
    )
    expect(await client.request({ type: 'decided', filter: { from: 0, to: 3 } })).toEqual(
      badRequest('filter.publicKey (the task manager address) is required for decided'),
    )
    expect(await client.request({ type: 'decided', filter: { from: 0, to: 3, publicKey: '0x1234' } })).toEqual(
      badRequest('filter.publicKey must be the task manager address (0x and 40 hex digits), got "0x1234"'),
    )
    expect(
      await client.request({ type: 'decided', filter: { from: 0, to: 3, role: 7, publicKey: testOwner } }),
    ).toEqual(badRequest('filter.role must be a string, got number 7'))
    // Still open and answering.
    expect(await client.request({ type: 'operator', filter: { from: 0, to: 0 } })).toMatchObject({ data: [] })
    const errors = (await api.metrics.exporter.queriesTotal.get()).values.filter((v) => v.labels.outcome === 'error')
    expect(errors.reduce((n, v) => n + v.value, 0)).toBe(12)
  })

  test('limits frame size, request rate, connections, and paths', async () => {
    const api = await startTestExporterApi(ctx.database, {
      maxFrameBytes: 1_024,
      requestsPerSecond: 1,
      requestBurst: 3,
      maxRefusedRequests: 5,
      maxConnections: 3,
    })
    const big = await api.connect('/query')
    big.send({ type: 'operator', filter: { from: 0, to: 0 }, padding: 'x'.repeat(2_000) })
    expect((await big.closed).code).toBe(1009)

    const flood = await api.connect('/query')
    for (let i = 0; i < 3; i++) flood.send({ type: 'operator', filter: { from: 0, to: 0 } })
    for (let i = 0; i < 3; i++) expect(await flood.next()).toMatchObject({ type: 'operator' })
    expect(await flood.request({ type: 'operator', filter: { from: 0, to: 0 } })).toEqual({
      type: 'error',
      filter: { from: 0, to: 0 },
      data: ['too many requests - at most 1 per second (bursts of 3); this request was dropped'],
    })
    for (let i = 0; i < 10; i++) flood.send({ type: 'operator', filter: { from: 0, to: 0 } })
    expect(await flood.closed).toEqual({ code: 1008, reason: 'request rate limit exceeded' })

    const held = await Promise.all([api.connect('/query'), api.connect('/stream'), api.connect('/query')])
    expect(api.connections).toBe(3)
    await expect(connectTestClient(`${api.wsUrl}/query`)).rejects.toThrow('upgrade refused: HTTP 503')
    await held[0].close()
    await expect(connectTestClient(`${api.wsUrl}/nowhere`)).rejects.toThrow('upgrade refused: HTTP 404')

    // The HTTP side of the same port.
    expect(await (await fetch(`${api.httpUrl}/health`)).json()).toEqual({ status: 'ok' })
    expect(await (await fetch(`${api.httpUrl}/metrics`)).text()).toMatch(/avskit_exporter_queries_total/)
  })
})
