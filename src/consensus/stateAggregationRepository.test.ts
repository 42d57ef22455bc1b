import type { Address, Hex } from 'viem'
import { beforeAll, describe, expect, test } from 'vitest'
import {
  type AggregationChainReader,
  createAggregationService,
  type TaskCertified,
  type TaskOperator,
} from '../aggregation/index.js'
import { createLogger } from '../core/logger.js'
import { type BlsKeyPair, blsKeyPairFromPrivateKey, initBn254, signDigest } from '../crypto/index.js'
import { type ConsensusEntry, encodeConsensusEntry } from './consensusEntries.js'
import { ConsensusState } from './consensusState.js'
import { createStateAggregationRepository } from './stateAggregationRepository.js'

const logger = createLogger({ level: 'silent' })
const digest = `0x${'ab'.repeat(32)}` as Hex
const otherDigest = `0x${'cd'.repeat(32)}` as Hex

/** Four operators of equal stake in quorum 0, read from memory instead of a chain. */
function fakeReader(keys: readonly BlsKeyPair[]): AggregationChainReader {
  const operators = new Map<Hex, TaskOperator>(
    keys.map((k, i) => [
      k.operatorId,
      {
        operatorId: k.operatorId,
        address: `0x${String(i + 1).padStart(40, '0')}` as Address,
        pubkeyG1: k.g1,
        pubkeyG2: k.g2,
        stakes: new Map([[0, 100n]]),
      },
    ]),
  )
  return {
    readOperatorSet: async (referenceBlock, quorumNumbers) => ({
      referenceBlock,
      quorumNumbers,
      operators,
      totalStakes: new Map([[0, 400n]]),
    }),
    operatorQuorumsAt: async () => undefined,
    checkSignaturesIndices: async (_block, _quorums, nonSigners) => ({
      nonSignerQuorumBitmapIndices: nonSigners.map(() => 0),
      quorumApkIndices: [0],
      totalStakeIndices: [0],
      nonSignerStakeIndices: [nonSigners.map(() => 0)],
    }),
  }
}

/** A log that commits at once: every proposal is applied to the leader's state and to a follower's. */
function instantLog() {
  const leader = new ConsensusState()
  const follower = new ConsensusState()
  let index = 0
  let failing = false
  return {
    leader,
    follower,
    /** From now on proposals fail, as on a leader that lost its majority. */
    fail() {
      failing = true
    },
    heal() {
      failing = false
    },
    async propose(entry: ConsensusEntry) {
      if (failing) throw new Error('no majority')
      index++
      const committed = [{ index, term: 1, data: encodeConsensusEntry(entry) }]
      leader.apply(committed)
      follower.apply(committed)
      return { index }
    },
  }
}

describe('aggregation over the replicated state', () => {
  let keys: BlsKeyPair[]
  beforeAll(async () => {
    await initBn254()
    keys = [11n, 12n, 13n, 14n].map(blsKeyPairFromPrivateKey)
  })

  const signed = (k: BlsKeyPair, d: Hex = digest) => ({
    taskIndex: 1n,
    digest: d,
    signature: signDigest(k.privateKey, d),
    operatorId: k.operatorId,
    response: { answer: d },
  })

  test('a new leader resumes the task with the signatures its predecessor got committed and certifies it once', async () => {
    const log = instantLog()
    const reader = fakeReader(keys)
    const [a, b, c, d] = keys as [BlsKeyPair, BlsKeyPair, BlsKeyPair, BlsKeyPair]
    await log.propose({
      kind: 'task',
      taskIndex: 1n,
      request: { what: 'task 1' },
      task: {
        referenceBlock: 5n,
        quorumNumbers: [0],
        thresholdPercentages: [75],
        expiresAt: Date.now() + 60_000,
        expiryBlock: null,
        collectionWindowMs: 0,
      },
      at: 1,
    })

    // Leader 1 accepts two signatures (each committed before it answers), then loses its majority.
    const first = createAggregationService({
      reader,
      repository: createStateAggregationRepository({ state: log.leader, propose: log.propose }),
      logger,
    })
    await first.start()
    expect(await first.processSignedResponse(signed(a))).toEqual({ status: 'accepted' })
    expect(await first.processSignedResponse(signed(b))).toEqual({ status: 'accepted' })
    log.fail()
    await expect(first.processSignedResponse(signed(c))).rejects.toThrow(/send it again/)
    await first.stop()
    log.heal()
    expect([...(log.follower.tasks.get(1n)?.signatures.keys() ?? [])]).toEqual([
      a.operatorId.toLowerCase(),
      b.operatorId.toLowerCase(),
    ])

    // Leader 2 starts over the same state: the two signatures are there; a third reaches 75 %.
    const certified: TaskCertified[] = []
    const second = createAggregationService({
      reader,
      repository: createStateAggregationRepository({ state: log.follower, propose: log.propose }),
      logger,
    })
    second.on('certified', (event) => certified.push(event))
    await second.start()
    expect(second.taskStatus(1n)?.signers).toHaveLength(2)
    expect(await second.processSignedResponse(signed(a))).toMatchObject({ status: 'rejected', code: 'DUPLICATE' })
    expect(await second.processSignedResponse(signed(d, otherDigest))).toEqual({ status: 'accepted' })
    expect(await second.processSignedResponse(signed(c))).toEqual({ status: 'accepted' })
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(certified.map((e) => [e.taskIndex, e.digest, e.signers.length])).toEqual([[1n, digest, 3]])
    expect(log.follower.tasks.get(1n)).toMatchObject({ status: 'certified', digest })
    expect(log.leader.snapshot()).toEqual(log.follower.snapshot())
    // Finished: a late signature is refused, and the task is reported to a third leader as done.
    expect(await second.processSignedResponse(signed(d))).toMatchObject({ status: 'rejected' })
    const third = createStateAggregationRepository({ state: log.follower, propose: log.propose })
    expect(await third.listTasksByStatus('pending')).toEqual([])
    expect((await third.getTask(1n))?.status).toBe('certified')
    await second.stop()
  })

  test('reports a pending task as unknown until the service initializes it, then once', async () => {
    const log = instantLog()
    const repository = createStateAggregationRepository({ state: log.leader, propose: log.propose })
    const row = {
      taskIndex: 2n,
      referenceBlock: 1n,
      quorumNumbers: [0],
      thresholdPercentages: [50],
      expiresAt: null,
      expiryBlock: 9n,
      collectionWindowMs: 0,
      metadata: null,
    }
    expect(await repository.insertTask(row)).toBe(false)
    await log.propose({
      kind: 'task',
      taskIndex: 2n,
      request: null,
      task: { ...row, expiresAt: null },
      at: 1,
    })
    expect(await repository.getTask(2n)).toBeUndefined()
    expect(await repository.insertTask(row)).toBe(true)
    expect(await repository.insertTask(row)).toBe(false)
    await repository.markExpired(2n, 'expiry block 9 reached')
    expect(await repository.getTask(2n)).toMatchObject({ status: 'expired', outcome: 'expiry block 9 reached' })
  })
})
