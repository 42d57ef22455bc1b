import { describe, expect, test } from 'vitest'
import { useDatabase } from '../../test/database.js'
import { createAggregationRepository, signatureKey } from './aggregationRepository.js'

describe('aggregation repository', () => {
  const db = useDatabase()

  test('inserts signatures in one statement, reports only new ones, and keeps JSON intact', async () => {
    const repository = createAggregationRepository(db.database.db)
    const awkward = { text: 'quote " backslash \\ comma , braces {} unicode é', n: [1, 2] }
    const row = (operatorId: string) => ({
      taskIndex: 7n,
      operatorId,
      digest: '0xd1',
      signature: { x: '1', y: '2' },
      response: awkward,
    })
    expect(await repository.insertSignatures([row('0xa'), row('0xb')])).toEqual(
      new Set([signatureKey(7n, '0xa'), signatureKey(7n, '0xb')]),
    )
    expect(await repository.insertSignatures([row('0xb'), row('0xc')])).toEqual(new Set([signatureKey(7n, '0xc')]))
    const stored = await repository.listSignatures([7n])
    expect(stored.map((s) => s.operatorId).sort()).toEqual(['0xa', '0xb', '0xc'])
    expect(stored[0]?.response).toEqual(awkward)
    expect(stored[0]?.signature).toEqual({ x: '1', y: '2' })
  })

  test('marks a task certified or expired only while it is pending', async () => {
    const repository = createAggregationRepository(db.database.db)
    const task = { taskIndex: 1n, referenceBlock: 5n, quorumNumbers: [0], thresholdPercentages: [67] }
    expect(await repository.insertTask(task)).toBe(true)
    expect(await repository.insertTask(task)).toBe(false)
    await repository.markCertified(1n, '0xd1', { signers: [] })
    await repository.markExpired(1n, 'too late')
    expect(await repository.getTask(1n)).toMatchObject({ status: 'certified', digest: '0xd1', outcome: null })
    expect((await repository.listTasksByStatus('certified')).map((t) => t.taskIndex)).toEqual([1n])
  })
})
