import { describe, expect, test } from 'vitest'
import { openTestDatabase, useDatabase } from '../../test/database.js'
import {
  at,
  operatorAdded,
  operatorRemoved,
  taskDecided,
  testOwner,
  testTaskManager,
  validatorAdded,
  validatorKey,
  validatorRemoved,
} from '../../test/exporterEvents.js'
import type { ExporterCounters, ExporterWritePlan } from './applyExporterEvents.js'
import { planExporterEventsAhead } from './applyExporterEvents.js'
import type { Database } from './database.js'
import type { ExporterEvent } from './exporterEvents.js'
import { decidedMessage, operatorMessage, validatorMessage } from './exporterMessages.js'
import { createExporterRepository } from './exporterRepository.js'

/** Every stored stream message, parsed, with its seq. */
async function streamOf(database: Database) {
  const rows = await createExporterRepository(database.db).readStream({ after: 0n, limit: 10_000 })
  return rows.map((row) => ({ seq: row.seq, key: row.key, message: JSON.parse(row.payload) }))
}

/**
 * Every table's content, for comparing two databases; without the rows' stream seqs, which count every message
 * sent (a detour through a reorganisation sends more).
 */
async function tablesOf(database: Database) {
  const exporter = createExporterRepository(database.db)
  const withoutSeqs = <row extends { addedSeq: number; removedSeq: number | null }>(rows: row[]) =>
    rows.map(({ addedSeq: _added, removedSeq: _removed, ...rest }) => rest)
  return {
    operators: withoutSeqs(await exporter.listOperators({ from: 0, to: 1_000_000 })),
    validators: withoutSeqs(await exporter.listValidators({ from: 0, to: 1_000_000 })),
    decided: await exporter.listDecided({ taskManager: testTaskManager, from: 0, to: 1_000_000 }),
  }
}

describe('exporterRepository', () => {
  const ctx = useDatabase()

  test('stores operators, validators and decided tasks with 0-based indexes and one stream message each', async () => {
    const exporter = createExporterRepository(ctx.database.db)
    const first = await exporter.applyEvents([operatorAdded(1, at(10, 0)), operatorAdded(2, at(10, 1))])
    expect(first.added).toEqual({ operator: 2, validator: 0, decided: 0 })
    // Operator 3 comes in the same batch as the validator naming it; operator 1 was stored before; 9 is unknown.
    const second = await exporter.applyEvents([
      operatorAdded(3, at(11, 0)),
      validatorAdded(1, [1, 3, 9], at(11, 1)),
      taskDecided(7, at(12, 0)),
    ])
    expect(second.lastSeq).toBe(5n)

    const operators = await exporter.listOperators({ from: 0, to: 10 })
    expect(operators.map(operatorMessage)).toEqual([0, 1, 2].map((index) => expect.objectContaining({ index })))
    expect(operatorMessage(operators[0] as (typeof operators)[0])).toEqual({
      index: 0,
      id: 1,
      publicKey: (operatorAdded(1, at(10)) as { publicKey: string }).publicKey,
      ownerAddress: testOwner,
      fee: '1000000000000000000',
      removed: false,
      blockNumber: 10,
      transactionHash: at(10, 0).transactionHash,
    })
    const [validator] = (await exporter.listValidators({ from: 0, to: 0 })).map(validatorMessage)
    expect(validator?.operators).toEqual([
      { nodeId: 1, publicKey: operators[0]?.publicKey },
      { nodeId: 3, publicKey: operators[2]?.publicKey },
      { nodeId: 9, publicKey: null },
    ])
    const [decided] = (await exporter.listDecided({ taskManager: testTaskManager.toUpperCase(), from: 7, to: 7 })).map(
      decidedMessage,
    )
    expect(decided?.message).toEqual({
      type: 3,
      round: 1,
      lambda: testTaskManager,
      seq_number: 7,
      value: (taskDecided(7, at(12)) as { result: string }).result,
    })
    expect(decided?.signature).toBe(`0x${'ff'.padStart(64, '0')}${'1000'.padStart(64, '0')}`)

    // The outbox holds the /query shape of each row, in chain order, and /query builds the same message.
    const stream = await streamOf(ctx.database)
    expect(stream.map((m) => [m.seq, m.message.type])).toEqual([
      [1n, 'operator'],
      [2n, 'operator'],
      [3n, 'operator'],
      [4n, 'validator'],
      [5n, 'decided'],
    ])
    expect(stream[3]?.message).toEqual({ type: 'validator', filter: { from: 0, to: 0 }, data: [validator] })
    expect(stream[4]?.message).toEqual({
      type: 'decided',
      filter: { from: 7, to: 7, role: 'TASK', publicKey: testTaskManager },
      data: [decided],
    })
    expect(stream[4]?.key).toBe(testTaskManager.toLowerCase())
  })

  test('a removal re-sends the row with removed: true and the removal’s block, in the same batch or a later one', async () => {
    const exporter = createExporterRepository(ctx.database.db)
    await exporter.applyEvents([operatorAdded(1, at(1)), validatorAdded(1, [1], at(1, 1))])
    const result = await exporter.applyEvents([
      operatorAdded(2, at(2, 0)),
      operatorRemoved(2, at(2, 1)),
      operatorRemoved(1, at(3, 0)),
      validatorRemoved(1, [1], at(3, 1)),
      validatorAdded(1, [1], at(4, 0)),
      operatorRemoved(5, at(4, 1)),
    ])
    expect(result.removed).toEqual({ operator: 2, validator: 1 })
    expect(result.unknownRemovals.map((e) => e.type)).toEqual(['OperatorRemoved'])

    const operators = (await exporter.listOperators({ from: 0, to: 9 })).map(operatorMessage)
    expect(operators.map((o) => [o.index, o.removed, o.blockNumber])).toEqual([
      [0, true, 3],
      [1, true, 2],
    ])
    // The re-registered validator is a new row with a new index; the first one stays removed.
    const validators = (await exporter.listValidators({ from: 0, to: 9 })).map(validatorMessage)
    expect(validators.map((v) => [v.index, v.publicKey, v.removed, v.blockNumber])).toEqual([
      [0, validatorKey(1), true, 3],
      [1, validatorKey(1), false, 4],
    ])

    const stream = (await streamOf(ctx.database)).slice(2)
    expect(stream.map((m) => [m.message.type, m.message.data[0].index, m.message.data[0].removed])).toEqual([
      ['operator', 1, false],
      ['operator', 1, true],
      ['operator', 0, true],
      ['validator', 0, true],
      ['validator', 1, false],
    ])
    expect(stream[1]?.message.data[0].transactionHash).toBe(at(2, 1).transactionHash)
  })

  test('queries ranges inclusively, by public key, and answer [] past the end', async () => {
    const exporter = createExporterRepository(ctx.database.db)
    await exporter.applyEvents(Array.from({ length: 20 }, (_, i) => operatorAdded(i + 1, at(5, i))))
    expect((await exporter.listOperators({ from: 3, to: 6 })).map((r) => r.index)).toEqual([3, 4, 5, 6])
    expect(await exporter.listOperators({ from: 20, to: 30 })).toEqual([])
    const key = (operatorAdded(8, at(5)) as { publicKey: string }).publicKey.toUpperCase().replace('0X', '0x')
    expect((await exporter.listOperators({ from: 0, to: 19, publicKey: key })).map((r) => r.index)).toEqual([7])
    expect(await exporter.listDecided({ taskManager: testTaskManager, from: 0, to: 10 })).toEqual([])
  })

  test('reads the stream after a cursor with type and key filters; retractions always match', async () => {
    const exporter = createExporterRepository(ctx.database.db)
    await exporter.applyEvents([operatorAdded(1, at(1)), taskDecided(1, at(2)), taskDecided(2, at(3))])
    await exporter.rollback('sync', 2n)
    const read = async (parameters: Parameters<typeof exporter.readStream>[0]) =>
      (await exporter.readStream(parameters)).map((row) => [row.seq, row.type])
    expect(await read({ after: 1n, limit: 10 })).toEqual([
      [2n, 'decided'],
      [3n, 'decided'],
      [4n, 'retraction'],
    ])
    expect(await read({ after: 0n, limit: 2 })).toEqual([
      [1n, 'operator'],
      [2n, 'decided'],
    ])
    expect(await read({ after: 0n, limit: 10, types: ['operator'] })).toEqual([
      [1n, 'operator'],
      [4n, 'retraction'],
    ])
    expect(await read({ after: 0n, limit: 10, key: testTaskManager.toUpperCase() })).toEqual([
      [2n, 'decided'],
      [3n, 'decided'],
      [4n, 'retraction'],
    ])
    expect(await exporter.streamHead()).toBe(4n)
    // In numeric order past one digit (the seq is read as text).
    await exporter.applyEvents(Array.from({ length: 20 }, (_, i) => operatorAdded(i + 2, at(5, i))))
    expect((await read({ after: 8n, limit: 3 })).map(([seq]) => seq)).toEqual([9n, 10n, 11n])
  })

  test('a rollback deletes rows above the ancestor, undoes removals, streams a retraction, and re-indexes deterministically', async () => {
    const exporter = createExporterRepository(ctx.database.db)
    const common: ExporterEvent[] = [
      operatorAdded(1, at(1)),
      operatorAdded(2, at(1, 1)),
      validatorAdded(1, [1, 2], at(2)),
      taskDecided(1, at(2, 1)),
    ]
    const orphaned: ExporterEvent[] = [
      operatorAdded(3, at(3, 0, 'a')),
      operatorRemoved(1, at(3, 1, 'a')),
      validatorRemoved(1, [1, 2], at(4, 0, 'a')),
      validatorAdded(2, [2, 3], at(4, 1, 'a')),
      taskDecided(2, at(4, 2, 'a')),
    ]
    const replacement: ExporterEvent[] = [operatorAdded(4, at(3, 0, 'b')), validatorAdded(3, [1, 4], at(4, 0, 'b'))]
    await exporter.applyEvents(common)
    await exporter.saveBlocks('sync', [
      { number: 2n, hash: at(2).blockHash, parentHash: at(1).blockHash },
      { number: 4n, hash: at(4, 0, 'a').blockHash, parentHash: at(3, 0, 'a').blockHash },
    ])
    await exporter.applyEvents(orphaned)
    const before = (await exporter.streamHead()) as bigint
    const sentBefore = await streamOf(ctx.database)

    const rolledBack = await exporter.rollback('sync', 2n)
    expect(rolledBack.retracted).toEqual([
      { type: 'operator', index: 2 },
      { type: 'validator', index: 1 },
      { type: 'decided', publicKey: testTaskManager, seq_number: 2 },
    ])
    expect(rolledBack.restored).toEqual({ operator: 1, validator: 1 })
    expect((await exporter.loadBlocks('sync')).map((b) => b.number)).toEqual([2n])

    const stream = (await streamOf(ctx.database)).filter((m) => m.seq > before)
    expect(stream.map((m) => m.message)).toEqual([
      { type: 'retraction', data: rolledBack.retracted, blockNumber: 2 },
      {
        type: 'operator',
        filter: { from: 0, to: 0 },
        data: [expect.objectContaining({ removed: false, blockNumber: 1 })],
      },
      {
        type: 'validator',
        filter: { from: 0, to: 0 },
        data: [expect.objectContaining({ removed: false, blockNumber: 2 })],
      },
    ])

    await exporter.applyEvents(replacement)
    const afterReorg = await tablesOf(ctx.database)
    // Messages sent before the rollback read back exactly as they were sent, though their rows changed or left.
    expect((await streamOf(ctx.database)).slice(0, sentBefore.length)).toEqual(sentBefore)

    // The same chain indexed without the detour gives the same tables.
    const other = (await import('../../test/database.js')).openTestDatabase
    const { database: straight } = await other()
    await createExporterRepository(straight.db).applyEvents([...common, ...replacement])
    expect(afterReorg).toEqual(await tablesOf(straight))
  })

  test('stores a batch’s consecutive references as one outbox row; reads start inside a run and filter by key', async () => {
    const exporter = createExporterRepository(ctx.database.db)
    await exporter.applyEvents([operatorAdded(1, at(1)), operatorAdded(2, at(1, 1))])
    const events: ExporterEvent[] = Array.from({ length: 300 }, (_, i) =>
      validatorAdded(i, [1, 2], at(2 + Math.floor(i / 100), i % 100)),
    )
    events.splice(100, 0, taskDecided(1, at(2, 100)))
    await exporter.applyEvents([...events, validatorRemoved(7, [1, 2], at(5, 0)), operatorAdded(3, at(5, 1))])
    const outbox = await ctx.database.query<{ seq: string; type: string; count: number }>(
      'select seq::text as seq, type, count from exporter_stream order by exporter_stream.seq',
    )
    expect(outbox.rows.map((row) => [row.seq, row.type, row.count])).toEqual([
      ['1', 'operator', 2],
      ['3', 'validator', 100],
      ['103', 'decided', 1],
      ['104', 'validator', 200],
      ['304', 'validator', 1],
      ['305', 'operator', 1],
    ])
    const all = await streamOf(ctx.database)
    expect(all.map((m) => m.seq)).toEqual(Array.from({ length: 305 }, (_, i) => BigInt(i + 1)))
    // Pages of any size, starting anywhere, read the same messages.
    for (const size of [1, 7, 149, 500]) {
      const paged: unknown[] = []
      for (let after = 0n; ; ) {
        const page = await exporter.readStream({ after, limit: size })
        paged.push(...page.map((row) => ({ seq: row.seq, key: row.key, message: JSON.parse(row.payload) })))
        if (page.length < size) break
        after = page[page.length - 1]?.seq as bigint
      }
      expect(paged).toEqual(all)
    }
    expect(all[9]?.message.data[0]).toMatchObject({ index: 7, removed: false, blockNumber: 2 })
    expect(all[303]?.message.data[0]).toMatchObject({ index: 7, removed: true, blockNumber: 5 })
    const key = validatorKey(7).toUpperCase().replace('0X', '0x')
    expect((await exporter.readStream({ after: 0n, limit: 10, key })).map((row) => row.seq)).toEqual([10n, 304n])
    expect((await exporter.readStream({ after: 10n, limit: 10, key })).map((row) => row.seq)).toEqual([304n])
    const types = (await exporter.readStream({ after: 100n, limit: 1000, types: ['operator', 'decided'] })).map(
      (row) => [row.seq, row.type],
    )
    expect(types).toEqual([
      [103n, 'decided'],
      [305n, 'operator'],
    ])
    expect(await exporter.streamHead()).toBe(305n)
  })

  test('a rollback inside a run writes the orphaned messages out and keeps the rest by reference', async () => {
    const exporter = createExporterRepository(ctx.database.db)
    await exporter.applyEvents([operatorAdded(1, at(1))])
    await exporter.applyEvents([
      ...Array.from({ length: 40 }, (_, i) => validatorAdded(i, [1], at(2 + Math.floor(i / 10), i % 10))),
      validatorRemoved(3, [1], at(5, 10)),
      validatorRemoved(35, [1], at(5, 11)),
    ])
    const sent = await streamOf(ctx.database)
    await exporter.rollback('sync', 3n)
    await exporter.applyEvents([validatorAdded(100, [1], at(4, 0, 'b'))])
    const after = await streamOf(ctx.database)
    expect(after.slice(0, sent.length)).toEqual(sent)
    expect(after.slice(sent.length).map((m) => m.message.type)).toEqual(['retraction', 'validator', 'validator'])
    expect(after.at(-1)?.message.data[0]).toMatchObject({ index: 20, removed: false, blockNumber: 4 })
    const outbox = await ctx.database.query<{ seq: string; count: number; text: boolean }>(
      'select seq::text as seq, count, payload is not null as text from exporter_stream order by exporter_stream.seq',
    )
    // Validators 0–19 (blocks 2–3) stay one run; 20–39 and both removals (block 5) were written out.
    expect(outbox.rows.slice(0, 3).map((row) => [row.seq, row.count, row.text])).toEqual([
      ['1', 1, false],
      ['2', 20, false],
      ['22', 1, true],
    ])
    expect(outbox.rows.filter((row) => row.text)).toHaveLength(20 + 2 + 2)
  })

  test('a rollback to before everything empties the tables; one with nothing above the ancestor streams nothing', async () => {
    const exporter = createExporterRepository(ctx.database.db)
    await exporter.applyEvents([operatorAdded(1, at(5)), taskDecided(1, at(6))])
    expect((await exporter.rollback('sync', 6n)).lastSeq).toBeUndefined()
    const all = await exporter.rollback('sync', undefined)
    expect(all.retracted).toHaveLength(2)
    expect(JSON.parse((await exporter.readStream({ after: 2n, limit: 1 }))[0]?.payload as string)).toMatchObject({
      type: 'retraction',
      blockNumber: null,
    })
    expect(await tablesOf(ctx.database)).toEqual({ operators: [], validators: [], decided: [] })
  })

  test('a second response for the same task fails the batch instead of hiding it', async () => {
    const exporter = createExporterRepository(ctx.database.db)
    await exporter.applyEvents([taskDecided(1, at(1))])
    const failed = exporter.applyEvents([operatorAdded(1, at(2)), taskDecided(1, at(2, 1))])
    await expect(failed).rejects.toThrow(/cannot store 2 exporter events[\s\S]*duplicate key/)
    // The error names the conflict without the statement or its parameters.
    await expect(failed).rejects.not.toThrow(/insert into/)
    // Nothing of the failed batch was kept.
    expect(await exporter.streamHead()).toBe(1n)
    expect(await exporter.listOperators({ from: 0, to: 9 })).toEqual([])
  })

  test('remembers headers per sync and prunes those far below the newest', async () => {
    const exporter = createExporterRepository(ctx.database.db)
    const header = (n: number) => ({ number: BigInt(n), hash: at(n).blockHash, parentHash: at(n - 1).blockHash })
    await exporter.saveBlocks('a', [header(1), header(2)])
    await exporter.saveBlocks('b', [header(1)])
    await exporter.saveBlocks(
      'a',
      Array.from({ length: 10 }, (_, i) => header(i + 3)),
      4,
    )
    expect((await exporter.loadBlocks('a')).map((b) => b.number)).toEqual([9n, 10n, 11n, 12n])
    expect(await exporter.loadBlocks('b')).toEqual([header(1)])
  })

  test('a batch folded ahead writes what applyEvents writes; folded on counters no longer stored, it stores nothing', async () => {
    const exporter = createExporterRepository(ctx.database.db)
    const first: ExporterEvent[] = [operatorAdded(1, at(1)), validatorAdded(1, [1], at(1, 1))]
    const second: ExporterEvent[] = [
      operatorAdded(2, at(2)),
      validatorAdded(2, [1, 2], at(2, 1)),
      taskDecided(1, at(3)),
    ]
    const stored = await exporter.applyEvents(first)
    expect(stored.after).toEqual({ operators: 0, validators: 0, seq: 2n })
    const plan = planExporterEventsAhead(second, stored.after as ExporterCounters) as ExporterWritePlan
    // A removal needs the stored row it removes: no plan ahead.
    expect(planExporterEventsAhead([validatorRemoved(1, [1], at(4))], plan.result.after as ExporterCounters)).toBe(
      undefined,
    )
    const applied = await exporter.applyPlan(plan)
    expect(applied).toEqual({
      lastSeq: 5n,
      added: { operator: 1, validator: 1, decided: 1 },
      removed: { operator: 0, validator: 0 },
      unknownRemovals: [],
      after: { operators: 1, validators: 1, seq: 5n },
    })

    const { database: straight } = await openTestDatabase()
    await createExporterRepository(straight.db).applyEvents(first)
    await createExporterRepository(straight.db).applyEvents(second)
    expect(await tablesOf(ctx.database)).toEqual(await tablesOf(straight))
    expect(await streamOf(ctx.database)).toEqual(await streamOf(straight))

    // Folded on the counters before `second`, as if it had never been stored.
    const stale = planExporterEventsAhead([operatorAdded(3, at(4))], stored.after as ExporterCounters)
    const before = { tables: await tablesOf(ctx.database), stream: await streamOf(ctx.database) }
    await expect(exporter.applyPlan(stale as ExporterWritePlan)).rejects.toThrow(
      /cannot store 1 exporter events[\s\S]*planned on counters the database no longer holds[\s\S]*planned on: operator 0, validator 0, seq 2[\s\S]*stored: operator 1, validator 1, seq 5/,
    )
    expect({ tables: await tablesOf(ctx.database), stream: await streamOf(ctx.database) }).toEqual(before)
  })

  test('writes a batch of 10,000 events in one transaction of a few statements', async () => {
    const exporter = createExporterRepository(ctx.database.db)
    const operators = Array.from({ length: 50 }, (_, i) => operatorAdded(i + 1, at(1, i)))
    await exporter.applyEvents(operators)
    const events: ExporterEvent[] = Array.from({ length: 10_000 }, (_, i) =>
      i % 10 === 9
        ? taskDecided(i, at(2 + Math.floor(i / 100), i % 100))
        : validatorAdded(i, [1 + (i % 50), 50], at(2 + Math.floor(i / 100), i % 100)),
    )
    const started = performance.now()
    const result = await exporter.applyEvents(events)
    const ms = performance.now() - started
    expect(result.added).toEqual({ operator: 0, validator: 9_000, decided: 1_000 })
    expect(result.lastSeq).toBe(10_050n)
    console.log(`exporterRepository: 10,000 events in ${ms.toFixed(0)} ms on ${ctx.kind}`)
  })
})
