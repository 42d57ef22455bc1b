import {
  type Address,
  encodeAbiParameters,
  encodePacked,
  type Hex,
  keccak256,
  parseEther,
  parseEventLogs,
  toHex,
  zeroAddress,
} from 'viem'
import { beforeAll, describe, expect, test } from 'vitest'
import { registryCoordinatorAbi, serviceManagerAbi, taskManagerAbi } from '../../src/chain/artifacts/index.js'
import {
  aggregateG1,
  type BlsKeyPair,
  G1_GENERATOR,
  g1FromStruct,
  g1ToStruct,
  g2FromStruct,
  initBn254,
  verifyCheckSignaturesEquation,
} from '../../src/crypto/index.js'
import { useAnvil } from '../anvil.js'
import {
  buildNonSignerStakesAndSignature,
  type ContractsFixture,
  delegateStake,
  deployFixture,
  expectRevert,
  makeOperator,
  quorumBytes,
  registerOperator,
  send,
  type TestOperator,
} from './contractsFixture.js'

type Task = { payload: Hex; taskCreatedBlock: number; quorumNumbers: Hex; quorumThresholdPercentage: number }
type TaskResponse = { referenceTaskIndex: number; result: Hex }
type Certificate = Awaited<ReturnType<typeof buildNonSignerStakesAndSignature>>

const taskType = {
  type: 'tuple',
  components: [
    { name: 'payload', type: 'bytes' },
    { name: 'taskCreatedBlock', type: 'uint32' },
    { name: 'quorumNumbers', type: 'bytes' },
    { name: 'quorumThresholdPercentage', type: 'uint32' },
  ],
} as const
const taskResponseType = {
  type: 'tuple',
  components: [
    { name: 'referenceTaskIndex', type: 'uint32' },
    { name: 'result', type: 'bytes32' },
  ],
} as const

/** The message operators sign for a response: keccak256(abi.encode(taskResponse)). */
function responseDigest(response: TaskResponse): Hex {
  return keccak256(encodeAbiParameters([taskResponseType], [response]))
}

/**
 * Quorum 0: op0 (10), op1 (20), op3 (40) → 70. Quorum 1: op1 (20), op2 (30), op3 (40) → 90.
 * op1 and op3 are in both quorums.
 */
describe('TaskManager', () => {
  const chain = useAnvil()
  let fixture: ContractsFixture
  let operators: TestOperator[]
  const keys = new Map<Hex, BlsKeyPair>()

  const readTaskManager = <T>(functionName: string, args: readonly unknown[] = []) =>
    fixture.publicClient.readContract({
      address: fixture.contracts.taskManager,
      abi: taskManagerAbi,
      functionName,
      args,
    } as never) as Promise<T>

  async function createTask(payload: Hex, threshold: number, quorums: readonly number[]) {
    const receipt = await send(fixture, fixture.owner, {
      address: fixture.contracts.taskManager,
      abi: taskManagerAbi,
      functionName: 'createNewTask',
      args: [payload, threshold, quorumBytes(quorums)],
    })
    const [event] = parseEventLogs({ abi: taskManagerAbi, logs: receipt.logs, eventName: 'NewTaskCreated' })
    if (!event) throw new Error('no NewTaskCreated event')
    return { taskIndex: event.args.taskIndex, task: event.args.task as Task }
  }

  async function certify(task: Task, response: TaskResponse, nonSigners: readonly TestOperator[]) {
    return buildNonSignerStakesAndSignature(fixture, {
      msgHash: responseDigest(response),
      quorumNumbers: [...Buffer.from(task.quorumNumbers.slice(2), 'hex')],
      referenceBlockNumber: task.taskCreatedBlock,
      keys,
      nonSignerIds: nonSigners.map((operator) => operator.bls.operatorId),
    })
  }

  function simulateRespond(task: Task, response: TaskResponse, certificate: Certificate, from = fixture.owner.account) {
    return fixture.publicClient.simulateContract({
      account: from,
      address: fixture.contracts.taskManager,
      abi: taskManagerAbi,
      functionName: 'respondToTask',
      args: [task, response, certificate],
    })
  }

  beforeAll(async () => {
    await initBn254()
    fixture = await deployFixture(
      chain.rpcUrl,
      [
        { maxOperatorCount: 10, minimumStake: parseEther('1') },
        { maxOperatorCount: 10, minimumStake: parseEther('1') },
      ],
      // Short, so that the lateness test mines few blocks.
      { taskResponseWindowBlock: 50 },
    )
    operators = [101n, 202n, 303n, 404n, 505n].map((sk, index) => makeOperator(chain.rpcUrl, index, sk))
    for (const operator of operators) keys.set(operator.bls.operatorId, operator.bls)
    const plan: [number, bigint, number[]][] = [
      [0, 10n, [0]],
      [1, 20n, [0, 1]],
      [2, 30n, [1]],
      [3, 40n, [0, 1]],
    ]
    for (const [index, stake, quorums] of plan) {
      await delegateStake(fixture, operators[index]!.account.address, [parseEther(String(stake))])
      await registerOperator(fixture, operators[index]!, quorums)
    }
  })

  test('createNewTask stores the task hash and emits the task with its creation block', async () => {
    const payload = toHex('first task')
    const { taskIndex, task } = await createTask(payload, 60, [0, 1])
    expect(taskIndex).toBe(0)
    expect(task).toEqual({
      payload,
      taskCreatedBlock: Number(await fixture.publicClient.getBlockNumber()),
      quorumNumbers: quorumBytes([0, 1]),
      quorumThresholdPercentage: 60,
    })
    expect(await readTaskManager('allTaskHashes', [0])).toBe(keccak256(encodeAbiParameters([taskType], [task])))
    expect(await readTaskManager('latestTaskNum')).toBe(1)
  })

  test('checkSignatures refuses a reference block that is not in the past', async () => {
    const { task } = await createTask(toHex('too fresh'), 60, [0])
    const response = { referenceTaskIndex: 1, result: keccak256(toHex('answer')) }
    const certificate = await certify(task, response, [])
    await expectRevert(simulateRespond(task, response, certificate), 'InvalidReferenceBlock')
  })

  test('accepts a certificate with a non-signer in a real transaction', async () => {
    const { task } = await createTask(toHex('second task'), 60, [0, 1])
    await fixture.testClient.mine({ blocks: 1 })
    const response = { referenceTaskIndex: 2, result: keccak256(toHex('42')) }
    const nonSigner = operators[2]!
    const certificate = await certify(task, response, [nonSigner])

    const [totals, signatoryRecordHash] = await fixture.publicClient.readContract({
      address: fixture.contracts.serviceManager,
      abi: serviceManagerAbi,
      functionName: 'checkSignatures',
      args: [responseDigest(response), task.quorumNumbers, task.taskCreatedBlock, certificate],
    })
    expect(totals).toEqual({
      signedStakeForQuorum: [parseEther('70'), parseEther('60')],
      totalStakeForQuorum: [parseEther('70'), parseEther('90')],
    })
    const expectedRecordHash = keccak256(
      encodePacked(['uint32', 'bytes32[]'], [task.taskCreatedBlock, [nonSigner.bls.operatorId]]),
    )
    expect(signatoryRecordHash).toBe(expectedRecordHash)

    // The off-chain equation agrees with the precompile: apk = signers counted once per task quorum they are in.
    const signers = [operators[0]!, operators[1]!, operators[3]!, operators[1]!, operators[3]!]
    const apk = aggregateG1(signers.map((operator) => operator.bls.g1))
    const equation = {
      msgHash: responseDigest(response),
      apk,
      apkG2: g2FromStruct(certificate.apkG2),
      sigma: g1FromStruct(certificate.sigma),
    }
    expect(verifyCheckSignaturesEquation(equation)).toBe(true)

    const receipt = await send(fixture, operators[4]!.wallet, {
      address: fixture.contracts.taskManager,
      abi: taskManagerAbi,
      functionName: 'respondToTask',
      args: [task, response, certificate],
    })
    const [event] = parseEventLogs({ abi: taskManagerAbi, logs: receipt.logs, eventName: 'TaskResponded' })
    const metadata = { taskRespondedBlock: Number(receipt.blockNumber), hashOfNonSigners: expectedRecordHash }
    expect(event?.args).toEqual({ taskResponse: response, taskResponseMetadata: metadata })
    expect(await readTaskManager('allTaskResponses', [2])).toBe(
      keccak256(
        encodeAbiParameters(
          [
            taskResponseType,
            {
              type: 'tuple',
              components: [
                { name: 'taskRespondedBlock', type: 'uint32' },
                { name: 'hashOfNonSigners', type: 'bytes32' },
              ],
            },
          ],
          [response, metadata],
        ),
      ),
    )
    await expectRevert(simulateRespond(task, response, certificate), 'TaskAlreadyResponded')
  })

  describe('with a task awaiting a response', () => {
    let task: Task
    let response: TaskResponse
    let certificate: Certificate

    beforeAll(async () => {
      ;({ task } = await createTask(toHex('third task'), 40, [0, 1]))
      await fixture.testClient.mine({ blocks: 1 })
      response = { referenceTaskIndex: 3, result: keccak256(toHex('43')) }
      certificate = await certify(task, response, [operators[1]!])
    })

    test('rejects a corrupted aggregate signature', async () => {
      const sigma = g1ToStruct(aggregateG1([g1FromStruct(certificate.sigma), G1_GENERATOR]))
      await expectRevert(simulateRespond(task, response, { ...certificate, sigma }), 'InvalidSignature')
      // The pairing precompile as oracle: signers op0, op3 (quorum 0) and op2, op3 (quorum 1).
      const apk = g1ToStruct(aggregateG1([0, 3, 2, 3].map((index) => operators[index]!.bls.g1)))
      const verify = (candidate: typeof sigma) =>
        fixture.publicClient.readContract({
          address: fixture.contracts.serviceManager,
          abi: serviceManagerAbi,
          functionName: 'trySignatureAndApkVerification',
          args: [responseDigest(response), apk, certificate.apkG2, candidate],
        })
      expect(await verify(certificate.sigma)).toEqual([true, true])
      expect(await verify(sigma)).toEqual([true, false])
    })

    test('rejects a response to another task than the one recorded', async () => {
      await expectRevert(
        simulateRespond({ ...task, payload: toHex('forged') }, response, certificate),
        'TaskDoesNotMatchRecordedHash',
      )
    })

    test('rejects a signature over another response', async () => {
      await expectRevert(
        simulateRespond(task, { ...response, result: keccak256(toHex('44')) }, certificate),
        'InvalidSignature',
      )
    })

    test('rejects a quorum apk that is not in the apk history', async () => {
      const quorumApks = [g1ToStruct(G1_GENERATOR), ...certificate.quorumApks.slice(1)]
      await expectRevert(simulateRespond(task, response, { ...certificate, quorumApks }), 'QuorumApkHashMismatch')
    })

    test('rejects non-signers that are not sorted by operator id', async () => {
      const unsorted = await certify(task, response, [operators[0]!, operators[2]!])
      const reversed = {
        ...unsorted,
        nonSignerPubkeys: [...unsorted.nonSignerPubkeys].reverse(),
        nonSignerQuorumBitmapIndices: [...unsorted.nonSignerQuorumBitmapIndices].reverse(),
      }
      await expectRevert(simulateRespond(task, response, reversed), 'NonSignerPubkeysNotSorted')
    })

    test('accepts a non-signer that is in both quorums once its stake is subtracted from each', async () => {
      const receipt = await send(fixture, fixture.owner, {
        address: fixture.contracts.taskManager,
        abi: taskManagerAbi,
        functionName: 'respondToTask',
        args: [task, response, certificate],
      })
      expect(parseEventLogs({ abi: taskManagerAbi, logs: receipt.logs, eventName: 'TaskResponded' })).toHaveLength(1)
    })
  })

  test('rejects too few signers with the quorum and its stakes', async () => {
    const { task } = await createTask(toHex('fourth task'), 50, [0, 1])
    await fixture.testClient.mine({ blocks: 1 })
    const response = { referenceTaskIndex: 4, result: keccak256(toHex('45')) }
    // op1 and op2 do not sign: quorum 0 keeps 50 of 70 (71 %), quorum 1 only 40 of 90 (44 %).
    const certificate = await certify(task, response, [operators[1]!, operators[2]!])
    const args = await expectRevert(simulateRespond(task, response, certificate), 'QuorumThresholdNotMet')
    expect(args).toEqual([1, parseEther('40'), parseEther('90')])
  })

  test('answers at the task block after the operator set and stakes changed', async () => {
    const { task } = await createTask(toHex('fifth task'), 100, [0])
    const newcomer = operators[4]!
    await delegateStake(fixture, newcomer.account.address, [parseEther('100')])
    await registerOperator(fixture, newcomer, [0])
    await delegateStake(fixture, operators[0]!.account.address, [parseEther('1000')])
    await send(fixture, fixture.owner, {
      address: fixture.contracts.registryCoordinator,
      abi: registryCoordinatorAbi,
      functionName: 'updateOperators',
      args: [[operators[0]!.account.address]],
    })
    const response = { referenceTaskIndex: 5, result: keccak256(toHex('46')) }
    const certificate = await certify(task, response, [])
    const [totals] = await fixture.publicClient.readContract({
      address: fixture.contracts.serviceManager,
      abi: serviceManagerAbi,
      functionName: 'checkSignatures',
      args: [responseDigest(response), task.quorumNumbers, task.taskCreatedBlock, certificate],
    })
    expect(totals.totalStakeForQuorum).toEqual([parseEther('70')])
    await send(fixture, fixture.owner, {
      address: fixture.contracts.taskManager,
      abi: taskManagerAbi,
      functionName: 'respondToTask',
      args: [task, response, certificate],
    })
  })

  test('enforces the task generator and aggregator once the owner sets them', async () => {
    const owner = fixture.owner.account.address
    const setRole = (functionName: 'setAggregator' | 'setGenerator', address: Address) =>
      send(fixture, fixture.owner, {
        address: fixture.contracts.taskManager,
        abi: taskManagerAbi,
        functionName,
        args: [address],
      })
    await setRole('setGenerator', owner)
    await setRole('setAggregator', owner)
    const stranger = operators[0]!.account
    await expectRevert(
      fixture.publicClient.simulateContract({
        account: stranger,
        address: fixture.contracts.taskManager,
        abi: taskManagerAbi,
        functionName: 'createNewTask',
        args: [toHex('x'), 50, quorumBytes([0])],
      }),
      'CallerNotTaskGenerator',
    )
    const { task } = await createTask(toHex('sixth task'), 50, [0])
    await fixture.testClient.mine({ blocks: 1 })
    const response = { referenceTaskIndex: 6, result: keccak256(toHex('47')) }
    const certificate = await certify(task, response, [])
    await expectRevert(simulateRespond(task, response, certificate, stranger), 'CallerNotAggregator')
    await expectRevert(
      fixture.publicClient.simulateContract({
        account: stranger,
        address: fixture.contracts.taskManager,
        abi: taskManagerAbi,
        functionName: 'setAggregator',
        args: [stranger.address],
      }),
      'CallerNotOwner',
    )
    await setRole('setGenerator', zeroAddress)
    await setRole('setAggregator', zeroAddress)
  })

  test('rejects thresholds outside 1..100 and unknown quorums', async () => {
    const simulateCreate = (threshold: number, quorums: readonly number[]) =>
      fixture.publicClient.simulateContract({
        account: fixture.owner.account,
        address: fixture.contracts.taskManager,
        abi: taskManagerAbi,
        functionName: 'createNewTask',
        args: [toHex('x'), threshold, quorumBytes(quorums)],
      })
    await expectRevert(simulateCreate(101, [0]), 'InvalidQuorumThresholdPercentage')
    await expectRevert(simulateCreate(0, [0]), 'InvalidQuorumThresholdPercentage')
    await expectRevert(simulateCreate(50, [2]), 'QuorumDoesNotExist')
  })

  test('rejects a response after the response window', async () => {
    const { task, taskIndex } = await createTask(toHex('late task'), 50, [0])
    const window = await readTaskManager<number>('TASK_RESPONSE_WINDOW_BLOCK')
    await fixture.testClient.mine({ blocks: window + 1 })
    const response = { referenceTaskIndex: taskIndex, result: keccak256(toHex('48')) }
    const certificate = await certify(task, response, [])
    await expectRevert(simulateRespond(task, response, certificate), 'TaskResponseTooLate')
  })
})
