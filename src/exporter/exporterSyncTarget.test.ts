import { describe, expect, test } from 'vitest'
import { openTestDatabase, useDatabase } from '../../test/database.js'
import {
  at,
  operatorAdded,
  taskDecided,
  validatorAdded,
  validatorKey,
  validatorRemoved,
} from '../../test/exporterEvents.js'
import type { BlockRef, LogBatch, LogRecord } from '../chain/logSync/index.js'
import { createMetrics } from '../core/metrics.js'
import type { ExporterEvent } from '../store/index.js'
import { createExporterRepository } from '../store/index.js'
import { createExporterSyncTarget } from './exporterSyncTarget.js'

const header = (n: number, fork = ''): BlockRef => ({
  number: BigInt(n),
  hash: at(n, 0, fork).blockHash,
  parentHash: at(n - 1, 0, fork).blockHash,
})

/** A log standing for one decoded event: the test's decoder maps it back by transaction hash. */
const logOf = (event: ExporterEvent): LogRecord => ({
  address: '0x0000000000000000000000000000000000000001',
  topics: [],
  data: '0x',
  blockNumber: event.location.blockNumber,
  blockHash: event.location.blockHash,
  transactionHash: event.location.transactionHash,
  transactionIndex: 0,
  logIndex: event.location.logIndex,
})

describe('createExporterSyncTarget', () => {
  const ctx = useDatabase()

  test('commits decoded rows with the headers, rolls back above the ancestor, and counts rows', async () => {
    const events = [operatorAdded(1, at(1)), taskDecided(1, at(2)), operatorAdded(2, at(3, 0, 'old'))]
    const byTransaction = new Map(events.map((e) => [e.location.transactionHash, e]))
    const metrics = createMetrics({ defaultMetrics: false })
    const target = createExporterSyncTarget(
      ctx.database,
      'exporter',
      async (logs) => logs.map((log) => byTransaction.get(log.transactionHash) as ExporterEvent),
      { metrics },
    )
    expect(await target.loadBlocks()).toEqual([])
    await target.commit({ fromBlock: 1n, toBlock: 2n, logs: events.slice(0, 2).map(logOf), blocks: [header(2)] })
    await target.commit({
      fromBlock: 3n,
      toBlock: 3n,
      logs: [logOf(events[2] as ExporterEvent)],
      blocks: [header(3, 'old')],
    })
    expect((await target.loadBlocks()).map((b) => b.number)).toEqual([2n, 3n])

    await target.rollback(header(2))
    expect(await target.loadBlocks()).toEqual([header(2)])
    const exporter = createExporterRepository(ctx.database.db)
    expect((await exporter.listOperators({ from: 0, to: 9 })).map((r) => r.operatorId)).toEqual(['1'])
    const values = (await metrics.exporter.rowsTotal.get()).values
    expect(Object.fromEntries(values.map((v) => [v.labels.type, v.value]))).toEqual({ operator: 2, decided: 1 })
  })

  test('batches prepared ahead store what batches committed one by one store, around a removal and a rollback', async () => {
    const batches: ExporterEvent[][] = [
      [operatorAdded(1, at(1)), operatorAdded(2, at(1, 1))],
      [validatorAdded(1, [1, 2], at(2)), validatorAdded(2, [2], at(2, 1))],
      [validatorRemoved(1, [1, 2], at(3)), validatorAdded(3, [1], at(3, 1))],
      [validatorAdded(4, [2], at(4)), taskDecided(1, at(4, 1))],
      [operatorAdded(3, at(5, 0, 'old')), validatorAdded(5, [3], at(5, 1, 'old'))],
    ]
    const replacement: ExporterEvent[] = [validatorAdded(6, [1], at(5, 0, 'new'))]
    const byTransaction = new Map([...batches.flat(), ...replacement].map((e) => [e.location.transactionHash, e]))
    const decode = async (logs: LogRecord[]) =>
      logs.map((log) => byTransaction.get(log.transactionHash) as ExporterEvent)
    const batchOf = (events: ExporterEvent[], fork = ''): LogBatch => {
      const block = Number(events[0]?.location.blockNumber)
      return {
        fromBlock: BigInt(block),
        toBlock: BigInt(block),
        logs: events.map(logOf),
        blocks: [header(block, fork)],
      }
    }

    // As a backfill does it: every batch prepared before the first commit ends, then committed in order.
    const ahead = createExporterSyncTarget(ctx.database, 'exporter', decode)
    await ahead.loadBlocks()
    const prepared = batches.map((events, i) => batchOf(events, i === 4 ? 'old' : ''))
    for (const batch of prepared) ahead.prepare?.(batch)
    for (const batch of prepared) await ahead.commit(batch)
    await ahead.rollback(header(4))
    const again = batchOf(replacement, 'new')
    ahead.prepare?.(again)
    await ahead.commit(again)

    const { database: straight } = await openTestDatabase()
    const oneByOne = createExporterSyncTarget(straight, 'exporter', decode)
    for (const [i, events] of batches.entries()) await oneByOne.commit(batchOf(events, i === 4 ? 'old' : ''))
    await oneByOne.rollback(header(4))
    await oneByOne.commit(batchOf(replacement, 'new'))

    const everything = async (database: typeof straight) => {
      const exporter = createExporterRepository(database.db)
      return {
        operators: await exporter.listOperators({ from: 0, to: 99 }),
        validators: await exporter.listValidators({ from: 0, to: 99 }),
        stream: await exporter.readStream({ after: 0n, limit: 1000 }),
      }
    }
    const stored = await everything(ctx.database)
    expect(stored.validators.map((v) => [v.index, v.publicKey, v.removedBlock])).toEqual([
      [0, validatorKey(1), 3],
      [1, validatorKey(2), null],
      [2, validatorKey(3), null],
      [3, validatorKey(4), null],
      [4, validatorKey(6), null],
    ])
    expect(stored).toEqual(await everything(straight))
  })

  test('a decode failure stores nothing of the batch', async () => {
    const target = createExporterSyncTarget(ctx.database, 'exporter', async () => {
      throw new Error('undecodable log')
    })
    await expect(target.commit({ fromBlock: 1n, toBlock: 1n, logs: [], blocks: [header(1)] })).rejects.toThrow(
      'undecodable log',
    )
    expect(await target.loadBlocks()).toEqual([])
  })
})
