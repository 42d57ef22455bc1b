/**
 * Durability: signatures accepted before a crash count after the restart. The first aggregator accepts three
 * signatures (short of the threshold) and is dropped without a clean stop; a second one over the same database
 * resumes the task, gets the remaining signatures, and its certificate is accepted on chain.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseEther } from 'viem'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { createAggregationService, type TaskCertified } from '../../src/aggregation/index.js'
import { taskManagerAbi } from '../../src/chain/artifacts/index.js'
import { createLogger } from '../../src/core/logger.js'
import { signDigest } from '../../src/crypto/index.js'
import { createAggregationRepository, type Database, openDatabase } from '../../src/store/index.js'
import { useAnvil } from '../anvil.js'
import { send } from '../contracts/contractsFixture.js'
import { createTestPostgresDatabase } from '../database.js'
import { createNetwork, type Network, type NetworkOperator } from './network.js'

const logger = createLogger({ level: 'silent' })

describe('aggregation restart', () => {
  const chain = useAnvil()
  let network: Network
  let dataDir: string

  beforeAll(async () => {
    network = await createNetwork(
      chain.rpcUrl,
      1,
      [100, 100, 100, 100, 100].map((n) => ({ quorums: [0], shares: parseEther(String(n)) })),
    )
    dataDir = mkdtempSync(join(tmpdir(), 'avskit-aggregation-'))
  })

  afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

  test('resumes a task with the signatures accepted before the crash', async () => {
    const url = process.env.DATABASE_URL ? await createTestPostgresDatabase() : undefined
    const open = () => (url ? openDatabase({ url }) : openDatabase({ dataDir }))
    const task = await network.createTask([0], 80, 'restart')
    const sign = (operator: NetworkOperator) => ({
      taskIndex: BigInt(task.taskIndex),
      digest: task.digest,
      signature: signDigest(operator.bls.privateKey, task.digest),
      operatorId: operator.bls.operatorId,
      response: task.response,
    })
    const [a, b, c, d] = network.operators as [NetworkOperator, NetworkOperator, NetworkOperator, NetworkOperator]

    let database: Database = await open()
    const first = createAggregationService({
      reader: network.reader,
      repository: createAggregationRepository(database.db),
      logger,
    })
    await first.start()
    await first.initializeTask({
      taskIndex: BigInt(task.taskIndex),
      referenceBlock: BigInt(task.task.taskCreatedBlock),
      quorumNumbers: [0],
      thresholdPercentages: 80,
      expiresAt: Date.now() + 60_000,
      metadata: task.task,
    })
    for (const operator of [a, b, c])
      expect(await first.processSignedResponse(sign(operator))).toEqual({ status: 'accepted' })
    expect(first.taskStatus(BigInt(task.taskIndex))?.status).toBe('pending')
    // The crash: timers stop, the database handle goes away; nothing else is flushed or written.
    await first.stop()
    await database.close()

    database = await open()
    const second = createAggregationService({
      reader: network.reader,
      repository: createAggregationRepository(database.db),
      logger,
    })
    const certified = new Promise<TaskCertified>((resolve) => second.on('certified', resolve))
    await second.start()
    expect(second.taskStatus(BigInt(task.taskIndex))?.signers).toHaveLength(3)
    // a, b and c do not send again; the one missing signature arrives.
    expect(await second.processSignedResponse(sign(d))).toEqual({ status: 'accepted' })
    const outcome = await certified
    expect(outcome.signers).toHaveLength(4)
    const receipt = await send(network, network.owner, {
      address: network.contracts.taskManager,
      abi: taskManagerAbi,
      functionName: 'respondToTask',
      args: [task.task, task.response, outcome.certificate],
    })
    expect(receipt.status).toBe('success')
    await second.stop()
    await database.close()
  })
})
