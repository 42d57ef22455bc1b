/**
 * The devnet end to end, as a user meets it: contracts deployed and answering, operators registered with their
 * stake (read back through `avskit operators`), signatures made by `avskit bls sign` accepted by the devnet
 * BLSSignatureChecker in a real `respondToTask` transaction, and a restart that resumes the same chain.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { encodeAbiParameters, type Hex, keccak256, parseEventLogs, toHex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { operatorStateRetrieverAbi } from '../src/chain/abi/index.js'
import { taskManagerAbi } from '../src/chain/artifacts/index.js'
import { encodeQuorumNumbers } from '../src/chain/quorumNumbers.js'
import { createTransactionSender } from '../src/chain/transactionSender.js'
import { createLogger } from '../src/core/logger.js'
import {
  aggregateG1,
  aggregateG2,
  type BlsKeyPair,
  type G1Point,
  g1FromJson,
  g1FromStruct,
  g1ToStruct,
  g2ToStruct,
  readBlsKeystoreFile,
} from '../src/crypto/index.js'
import { type Devnet, devnetOwnerKey, startDevnet } from '../src/devnet/startDevnet.js'
import { runCli } from './cli.js'

const logger = createLogger({ level: 'silent' })
const taskResponseType = [
  {
    type: 'tuple',
    components: [
      { type: 'uint32', name: 'referenceTaskIndex' },
      { type: 'bytes32', name: 'result' },
    ],
  },
] as const

describe('avskit devnet', () => {
  let dataDir: string
  let devnet: Devnet
  const keys = new Map<Hex, BlsKeyPair>()

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'avskit-devnet-'))
    // The chain alone: this suite answers its task by hand, so no aggregator may answer it first.
    devnet = await startDevnet({ dataDir, operators: 4, quorums: 2, port: 0, blockTime: 0, logger, pool: false })
    for (const operator of devnet.summary.operators) {
      const password = readFileSync(operator.passwordFile, 'utf8').trim()
      keys.set(operator.operatorId, (await readBlsKeystoreFile(operator.blsKeystore, password)).keyPair)
    }
  })

  afterAll(async () => {
    await devnet?.stop()
    rmSync(dataDir, { recursive: true, force: true })
  })

  test('writes a summary whose contract addresses all hold code', async () => {
    const written = JSON.parse(readFileSync(join(dataDir, 'devnet.json'), 'utf8'))
    expect(written.chainId).toBe(31337)
    expect(written.rpcUrl).toBe(devnet.anvil.rpcUrl)
    expect(Object.keys(written.contracts)).toEqual(
      expect.arrayContaining(['registryCoordinator', 'operatorStateRetriever', 'serviceManager', 'taskManager']),
    )
    for (const [name, address] of Object.entries(devnet.summary.contracts)) {
      if (name.startsWith('strategy')) continue
      const code = await devnet.client.getCode({ address })
      expect(code?.length, name).toBeGreaterThan(2)
    }
  })

  test('registers every operator with keystores, quorums and stake', () => {
    const { operators } = devnet.summary
    expect(operators).toHaveLength(4)
    expect(operators[0]?.quorums).toEqual([0, 1])
    for (const operator of operators) {
      expect(operator.quorums.length).toBeGreaterThan(0)
      for (const quorum of operator.quorums) expect(BigInt(operator.stake[String(quorum)] ?? 0)).toBeGreaterThan(0n)
      expect(keys.get(operator.operatorId)?.operatorId).toBe(operator.operatorId)
    }
  })

  test('avskit operators lists each quorum with the registered stakes', async () => {
    const { contracts } = devnet.summary
    const result = await runCli([
      'operators',
      '--eth-http-url',
      devnet.anvil.rpcUrl,
      '--registry-coordinator-addr',
      contracts.registryCoordinator as string,
      '--operator-state-retriever-addr',
      contracts.operatorStateRetriever as string,
      '--json',
    ])
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    const state = JSON.parse(result.stdout) as {
      quorums: { quorumNumber: number; operators: { address: string; operatorId: string; stake: string }[] }[]
    }
    expect(state.quorums.map((q) => q.quorumNumber)).toEqual([0, 1])
    for (const operator of devnet.summary.operators) {
      for (const quorum of operator.quorums) {
        const listed = state.quorums[quorum]?.operators.find((o) => o.address === operator.address)
        expect(listed).toEqual({
          address: operator.address,
          operatorId: operator.operatorId,
          stake: operator.stake[String(quorum)],
        })
      }
    }
  })

  test('accepts an aggregate of `avskit bls sign` signatures in a real respondToTask and rejects a corrupted one', async () => {
    const { client, summary } = devnet
    const taskManager = summary.contracts.taskManager as Hex
    const sender = createTransactionSender({ client, account: privateKeyToAccount(devnetOwnerKey), logger })
    const quorumNumbers = encodeQuorumNumbers([0, 1])
    const created = await sender.send({
      address: taskManager,
      abi: taskManagerAbi,
      functionName: 'createNewTask',
      args: [toHex('avskit devnet test'), 67, quorumNumbers],
    })
    const [event] = parseEventLogs({ abi: taskManagerAbi, logs: created.logs, eventName: 'NewTaskCreated' })
    if (!event) throw new Error('no NewTaskCreated event')
    const task = event.args.task
    const response = { referenceTaskIndex: event.args.taskIndex, result: keccak256(task.payload) }
    const digest = keccak256(encodeAbiParameters(taskResponseType, [response]))

    // Every operator of both quorums signs, through the CLI, except the smallest one of quorum 1 (a non-signer).
    const nonSigner = summary.operators[1]
    if (!nonSigner) throw new Error('devnet has too few operators')
    const signers = summary.operators.filter((o) => o !== nonSigner)
    const signatures = new Map<Hex, G1Point>()
    for (const operator of signers) {
      const key = keys.get(operator.operatorId) as BlsKeyPair
      const signed = await runCli(['bls', 'sign', '--private-key', key.privateKey.toString(), '--digest', digest])
      expect(signed.code).toBe(0)
      signatures.set(operator.operatorId, g1FromJson(JSON.parse(signed.stdout), 'signature'))
    }
    // An operator in k of the task's quorums counts k times in σ and in apkG2, as in Σ quorum apks.
    const entries = signers.flatMap((o) => o.quorums.map(() => o))
    const quorumApks = [0, 1].map((q) =>
      aggregateG1(
        summary.operators.filter((o) => o.quorums.includes(q)).map((o) => (keys.get(o.operatorId) as BlsKeyPair).g1),
      ),
    )
    const indices = await client.readContract({
      address: summary.contracts.operatorStateRetriever as Hex,
      abi: operatorStateRetrieverAbi,
      functionName: 'getCheckSignaturesIndices',
      args: [
        summary.contracts.registryCoordinator as Hex,
        task.taskCreatedBlock,
        quorumNumbers,
        [nonSigner.operatorId],
      ],
    })
    const certificate = {
      nonSignerQuorumBitmapIndices: indices.nonSignerQuorumBitmapIndices,
      nonSignerPubkeys: [g1ToStruct((keys.get(nonSigner.operatorId) as BlsKeyPair).g1)],
      quorumApks: quorumApks.map(g1ToStruct),
      apkG2: g2ToStruct(aggregateG2(entries.map((o) => (keys.get(o.operatorId) as BlsKeyPair).g2))),
      sigma: g1ToStruct(aggregateG1(entries.map((o) => signatures.get(o.operatorId) as G1Point))),
      quorumApkIndices: indices.quorumApkIndices,
      totalStakeIndices: indices.totalStakeIndices,
      nonSignerStakeIndices: indices.nonSignerStakeIndices,
    }
    const corrupted = {
      ...certificate,
      sigma: g1ToStruct(aggregateG1([g1FromStruct(certificate.sigma), quorumApks[0] as G1Point])),
    }
    await expect(
      sender.send({
        address: taskManager,
        abi: taskManagerAbi,
        functionName: 'respondToTask',
        args: [task, response, corrupted],
      }),
    ).rejects.toThrow(/respondToTask reverted with InvalidSignature/)

    const receipt = await sender.send({
      address: taskManager,
      abi: taskManagerAbi,
      functionName: 'respondToTask',
      args: [task, response, certificate],
    })
    expect(receipt.status).toBe('success')
    const [responded] = parseEventLogs({ abi: taskManagerAbi, logs: receipt.logs, eventName: 'TaskResponded' })
    expect(responded?.args.taskResponse).toEqual(response)
  })

  test('resumes the same chain from the data folder without redeploying', async () => {
    const before = devnet.summary
    const blockBefore = await devnet.client.getBlockNumber()
    await devnet.stop()
    devnet = await startDevnet({ dataDir, operators: 4, quorums: 2, port: 0, blockTime: 0, logger, pool: false })
    expect(devnet.resumed).toBe(true)
    expect(devnet.summary.contracts).toEqual(before.contracts)
    expect(devnet.summary.operators).toEqual(before.operators)
    expect(await devnet.client.getBlockNumber()).toBeGreaterThanOrEqual(blockBefore)
    const result = await runCli([
      'operators',
      '--eth-http-url',
      devnet.anvil.rpcUrl,
      '--registry-coordinator-addr',
      before.contracts.registryCoordinator as string,
      '--operator-state-retriever-addr',
      before.contracts.operatorStateRetriever as string,
      '--block',
      String(blockBefore),
    ])
    expect(result.code).toBe(0)
    expect(JSON.parse(result.stdout).quorums[0].operators.length).toBeGreaterThan(0)
  })
})
