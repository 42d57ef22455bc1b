/**
 * The devnet with `consensus`: four operators as a Raft cluster in one process certify the generated tasks on
 * chain; `triggerElection` hands leadership around the voters in a fair rotation (each once, no ping-pong) while
 * tasks keep being certified; and a task request that does not match the TaskManager gets no signature.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Address } from 'viem'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { getTaskResponseHash } from '../../src/chain/taskManager.js'
import type { AvsTaskRequest, TaskConsensusEngine } from '../../src/consensus/index.js'
import { createLogger } from '../../src/core/logger.js'
import { type Devnet, startDevnet } from '../../src/devnet/startDevnet.js'
import { waitFor } from './operatorProcess.js'

const logger = createLogger({ level: 'silent' })

describe('devnet with task consensus', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'avskit-devnet-raft-'))
  let devnet: Devnet
  let engines: TaskConsensusEngine<AvsTaskRequest>[]
  const submitted: bigint[] = []

  beforeAll(async () => {
    devnet = await startDevnet({
      dataDir,
      operators: 4,
      quorums: 2,
      port: 0,
      blockTime: 0,
      logger,
      pool: false,
      consensus: { basePort: 0, taskIntervalSeconds: 1, taskTimeoutMs: 4_000 },
      tasks: { intervalSeconds: 1, onSubmitted: (taskIndex) => submitted.push(taskIndex) },
    })
    engines = devnet.consensus?.engines ?? []
  })

  afterAll(async () => {
    await devnet?.stop()
    rmSync(dataDir, { recursive: true, force: true })
  })

  const leaderOf = () => engines.find((e) => e.isLeader().isLeader)

  test('runs a four-member cluster that certifies the generated tasks on chain', async () => {
    expect(engines).toHaveLength(4)
    const status = engines[0]?.status()
    expect(status?.members.filter((m) => m.suffrage === 'voter')).toHaveLength(4)
    await waitFor('two certificates', async () => submitted.length >= 2, 30_000)
    const taskManager = devnet.summary.contracts.taskManager as Address
    for (const taskIndex of submitted.slice(0, 2)) {
      expect(BigInt(await getTaskResponseHash(devnet.client, taskManager, Number(taskIndex)))).not.toBe(0n)
    }
  })

  test('triggerElection hands leadership to each voter in turn, and tasks keep being certified', async () => {
    const ids = engines.map((e) => e.id).sort()
    const start = leaderOf()
    if (!start) throw new Error('no leader')
    const visited: string[] = [start.id]
    for (let i = 0; i < ids.length; i++) {
      const current = leaderOf()
      if (!current) throw new Error('no leader')
      const next = await current.triggerElection()
      await waitFor('the new leader', async () => leaderOf()?.id === next, 5_000, 20)
      visited.push(next)
    }
    const from = ids.indexOf(start.id)
    expect(visited).toEqual([...ids.slice(from), ...ids.slice(0, from), start.id])
    const before = submitted.length
    await waitFor('more certificates after the rotation', async () => submitted.length >= before + 2, 30_000)
    await expect(engines.find((e) => !e.isLeader().isLeader)?.triggerElection()).rejects.toThrow(/not the leader/)
  })

  test('no member signs a task request that the TaskManager did not record', async () => {
    const leader = leaderOf()
    if (!leader) throw new Error('no leader')
    const real = leader.lastTaskRequest()
    if (!real) throw new Error('no task yet')
    const forgedIndex = 2 ** 32 - 1
    await leader.sendTaskRequest({ ...real, taskIndex: forgedIndex })
    const outcome = await waitFor(
      'the forged task to expire',
      async () => {
        const view = engines[1]?.task(BigInt(forgedIndex))
        return view?.status === 'expired' ? view : undefined
      },
      20_000,
    )
    expect(outcome.signers).toEqual([])
  })
})
