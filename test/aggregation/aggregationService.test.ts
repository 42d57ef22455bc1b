/**
 * The aggregation service against a real chain: 10 operators in 2 quorums on anvil (one in both), signatures
 * turned into a certificate that the devnet TaskManager accepts in a real `respondToTask` transaction.
 */
import { keccak256, parseEther, toHex } from 'viem'
import { beforeAll, describe, expect, test } from 'vitest'
import {
  type AggregationService,
  createAggregationService,
  type ProcessResult,
  type TaskCertified,
  type TaskExpired,
} from '../../src/aggregation/index.js'
import { taskManagerAbi } from '../../src/chain/artifacts/index.js'
import { createLogger } from '../../src/core/logger.js'
import { BN254_P, G1_GENERATOR, type G1Point, signDigest } from '../../src/crypto/index.js'
import { createAggregationRepository } from '../../src/store/index.js'
import { useAnvil } from '../anvil.js'
import { send } from '../contracts/contractsFixture.js'
import { openTestDatabase } from '../database.js'
import { createNetwork, type Network, type NetworkOperator, type OnChainTask } from './network.js'

const logger = createLogger({ level: 'silent' })
const ether = (n: number) => parseEther(String(n))

// Operator 0 is in both quorums; 1–4 in quorum 0, 5–9 in quorum 1. Stakes: quorum 0 totals 3750, quorum 1 4450.
const specs = [
  { quorums: [0, 1], shares: ether(1000) },
  { quorums: [0], shares: ether(1000) },
  { quorums: [0], shares: ether(900) },
  { quorums: [0], shares: ether(800) },
  { quorums: [0], shares: ether(50) },
  { quorums: [1], shares: ether(1000) },
  { quorums: [1], shares: ether(900) },
  { quorums: [1], shares: ether(800) },
  { quorums: [1], shares: ether(700) },
  { quorums: [1], shares: ether(50) },
]
const silent = new Set([4, 8, 9])

describe('aggregation service', () => {
  const chain = useAnvil()
  let network: Network

  beforeAll(async () => {
    network = await createNetwork(chain.rpcUrl, 2, specs)
  })

  async function newService(options: { earlyResponseTimeoutMs?: number } = {}) {
    const { database } = await openTestDatabase()
    const service = createAggregationService({
      reader: network.reader,
      repository: createAggregationRepository(database.db),
      logger,
      earlyResponseTimeoutMs: options.earlyResponseTimeoutMs,
    })
    await service.start()
    return { service, database }
  }

  function events(service: AggregationService) {
    const certified = new Promise<TaskCertified>((resolve) => service.on('certified', resolve))
    const expired = new Promise<TaskExpired>((resolve) => service.on('expired', resolve))
    return { certified, expired }
  }

  async function initialize(service: AggregationService, task: OnChainTask, expiresInMs = 30_000) {
    await service.initializeTask({
      taskIndex: BigInt(task.taskIndex),
      referenceBlock: BigInt(task.task.taskCreatedBlock),
      quorumNumbers: [0, 1],
      thresholdPercentages: task.task.quorumThresholdPercentage,
      expiresAt: Date.now() + expiresInMs,
      metadata: task.task,
    })
  }

  function respond(service: AggregationService, task: OnChainTask, operator: NetworkOperator, signature?: G1Point) {
    return service.processSignedResponse({
      taskIndex: BigInt(task.taskIndex),
      digest: task.digest,
      signature: signature ?? signDigest(operator.bls.privateKey, task.digest),
      operatorId: operator.bls.operatorId,
      response: task.response,
    })
  }

  async function submit(task: OnChainTask, certified: TaskCertified) {
    return send(network, network.owner, {
      address: network.contracts.taskManager,
      abi: taskManagerAbi,
      functionName: 'respondToTask',
      args: [task.task, task.response, certified.certificate],
    })
  }

  test('certifies 7 of 10 signers with an operator in both quorums, accepted on chain by respondToTask', async () => {
    const { service } = await newService()
    const task = await network.createTask([0, 1], 67)
    const { certified } = events(service)
    await initialize(service, task)
    const results = await Promise.all(
      network.operators.filter((_, i) => !silent.has(i)).map((operator) => respond(service, task, operator)),
    )
    expect(results).toEqual(Array(7).fill({ status: 'accepted' }))
    const outcome = await certified
    expect(outcome.digest).toBe(task.digest)
    expect(outcome.nonSigners).toHaveLength(3)
    expect(new Set(outcome.nonSigners)).toEqual(new Set([...silent].map((i) => network.operators[i]?.bls.operatorId)))
    expect(outcome.stakes).toEqual([
      { quorumNumber: 0, signedStake: ether(3700), totalStake: ether(3750), thresholdPercentage: 67 },
      { quorumNumber: 1, signedStake: ether(3700), totalStake: ether(4450), thresholdPercentage: 67 },
    ])
    const receipt = await submit(task, outcome)
    expect(receipt.status).toBe('success')
    await service.stop()
  })

  test('rejects a forged signature, names it, and still certifies with the others', async () => {
    const { service } = await newService()
    const task = await network.createTask([0, 1], 67, 'forged')
    const { certified } = events(service)
    await initialize(service, task)
    const forger = network.operators[3] as NetworkOperator
    const others = network.operators.filter((_, i) => !silent.has(i) && i !== 3)
    // Signed with another operator's key: a valid point, not this operator's signature.
    const forged = signDigest((network.operators[1] as NetworkOperator).bls.privateKey, task.digest)
    const [forgedResult, ...results] = await Promise.all([
      respond(service, task, forger, forged),
      ...others.map((operator) => respond(service, task, operator)),
    ])
    expect(forgedResult).toEqual({
      status: 'rejected',
      code: 'INVALID_SIGNATURE',
      message: `signature of operator ${forger.bls.operatorId} does not verify`,
    })
    expect(results.every((r) => r.status === 'accepted')).toBe(true)
    const outcome = await certified
    expect(outcome.nonSigners).toContain(forger.bls.operatorId)
    expect((await submit(task, outcome)).status).toBe('success')
    await service.stop()
  })

  test('expires with the shortfall when too few operators sign', async () => {
    const { service } = await newService()
    const task = await network.createTask([0, 1], 67, 'too few')
    const { expired } = events(service)
    await initialize(service, task, 1500)
    await Promise.all([0, 1].map((i) => respond(service, task, network.operators[i] as NetworkOperator)))
    const outcome = await expired
    expect(outcome.reason).toBe(
      'expiry time reached: quorum 0 signed 53.33% of stake, 67% needed; quorum 1 signed 22.47% of stake, 67% needed',
    )
    expect(service.taskStatus(BigInt(task.taskIndex))).toBeUndefined()
    await service.stop()
  })

  test('rejects duplicates and equivocations, and stores the evidence', async () => {
    const { service, database } = await newService()
    const task = await network.createTask([0, 1], 67, 'equivocation')
    await initialize(service, task)
    const operator = network.operators[0] as NetworkOperator
    expect(await respond(service, task, operator)).toEqual({ status: 'accepted' })
    expect(await respond(service, task, operator)).toMatchObject({ status: 'rejected', code: 'DUPLICATE' })
    const otherDigest = keccak256(toHex('another answer'))
    const result = await service.processSignedResponse({
      taskIndex: BigInt(task.taskIndex),
      digest: otherDigest,
      signature: signDigest(operator.bls.privateKey, otherDigest),
      operatorId: operator.bls.operatorId,
    })
    expect(result).toMatchObject({ status: 'rejected', code: 'EQUIVOCATION' })
    const [evidence] = await createAggregationRepository(database.db).listEquivocations(BigInt(task.taskIndex))
    expect(evidence).toMatchObject({
      operatorId: operator.bls.operatorId,
      firstDigest: task.digest,
      secondDigest: otherDigest,
    })
    await service.stop()
  })

  test('holds a response that arrives before its task and processes it once the task appears', async () => {
    const { service } = await newService()
    const task = await network.createTask([0, 1], 67, 'early')
    const early = respond(service, task, network.operators[0] as NetworkOperator)
    await new Promise((resolve) => setTimeout(resolve, 100))
    await initialize(service, task)
    expect(await early).toEqual({ status: 'accepted' })
    await service.stop()
  })

  test('rejects malformed input, unknown tasks and outsiders with their codes, and keeps serving', async () => {
    const { service } = await newService({ earlyResponseTimeoutMs: 200 })
    const task = await network.createTask([0], 67, 'malformed')
    await service.initializeTask({
      taskIndex: BigInt(task.taskIndex),
      referenceBlock: BigInt(task.task.taskCreatedBlock),
      quorumNumbers: [0],
      thresholdPercentages: 67,
      expiresAt: Date.now() + 30_000,
    })
    const operator = network.operators[1] as NetworkOperator
    const base = { taskIndex: BigInt(task.taskIndex), digest: task.digest, operatorId: operator.bls.operatorId }
    const code = (result: ProcessResult) => (result.status === 'rejected' ? result.code : 'accepted')

    expect(code(await service.processSignedResponse({ ...base, signature: { x: 1n, y: 3n } }))).toBe('MALFORMED')
    expect(code(await service.processSignedResponse({ ...base, signature: { x: BN254_P, y: 2n } }))).toBe('MALFORMED')
    expect(code(await service.processSignedResponse({ ...base, digest: '0x1234', signature: G1_GENERATOR }))).toBe(
      'MALFORMED',
    )
    expect(code(await service.processSignedResponse({ ...base, operatorId: '0xabcd', signature: G1_GENERATOR }))).toBe(
      'MALFORMED',
    )
    const unknownTask = await service.processSignedResponse({ ...base, taskIndex: 999_999n, signature: G1_GENERATOR })
    expect(unknownTask).toMatchObject({ code: 'TASK_UNKNOWN' })

    // Operator 5 is registered, but only in quorum 1.
    const outsider = network.operators[5] as NetworkOperator
    expect(code(await respond(service, task, outsider))).toBe('NOT_IN_QUORUM')
    // Registered after the task's reference block.
    const late = await network.addOperator({ quorums: [0], shares: ether(10) })
    expect(await respond(service, task, late)).toMatchObject({
      code: 'UNKNOWN_OPERATOR',
      message: expect.stringContaining('not registered at the task'),
    })
    // After all of that, a valid signature is still accepted.
    expect(await respond(service, task, operator)).toEqual({ status: 'accepted' })
    await service.stop()
  })
})
