import { describe, expect, test } from 'vitest'
import { useDatabase } from '../../test/database.js'
import { at, operatorAdded, taskDecided } from '../../test/exporterEvents.js'
import type { BlockRef, LogRecord } from '../chain/logSync/index.js'
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
