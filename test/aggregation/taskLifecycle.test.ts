/**
 * The on-chain task lifecycle through real gRPC: tasks created on the TaskManager, operators' responders sign and
 * send their responses to the aggregator's gRPC server, the aggregator submits `respondToTask` once, and
 * `GET /tasks/:index` reports signers, stakes and the transaction.
 */
import { parseEther, parseEventLogs, type TransactionReceipt } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startTaskAggregation, type TaskAggregation } from '../../src/aggregation/startTaskAggregation.js'
import { runTaskResponder } from '../../src/aggregation/taskResponder.js'
import { taskManagerAbi } from '../../src/chain/artifacts/index.js'
import { createChainClient } from '../../src/chain/clients.js'
import { getTaskResponseHash } from '../../src/chain/taskManager.js'
import { createTransactionSender } from '../../src/chain/transactionSender.js'
import { createGrpcServer, type GrpcServer } from '../../src/core/grpcServer.js'
import { createHttpService, type HttpService } from '../../src/core/httpService.js'
import { createLogger } from '../../src/core/logger.js'
import { createMetrics } from '../../src/core/metrics.js'
import type { Database } from '../../src/store/index.js'
import { anvilAccounts, useAnvil } from '../anvil.js'
import { runCli } from '../cli.js'
import { openSuiteDatabase } from '../database.js'
import { createNetwork, type Network } from './network.js'

const logger = createLogger({ level: 'silent' })

describe('task lifecycle over gRPC', () => {
  const chain = useAnvil()
  let network: Network
  let grpc: GrpcServer
  let http: HttpService
  let httpUrl: string
  let aggregation: TaskAggregation
  let database: Database
  const responders = new AbortController()
  const submitted = new Map<bigint, TransactionReceipt>()

  beforeAll(async () => {
    network = await createNetwork(chain.rpcUrl, 2, [
      { quorums: [0, 1], shares: parseEther('100') },
      { quorums: [0], shares: parseEther('100') },
      { quorums: [1], shares: parseEther('100') },
    ])
    const client = await createChainClient({ url: chain.rpcUrl })
    ;({ database } = await openSuiteDatabase())
    grpc = createGrpcServer({ address: '127.0.0.1:0', logger })
    http = createHttpService({ address: '127.0.0.1:0', logger, metrics: createMetrics({ defaultMetrics: false }) })
    aggregation = await startTaskAggregation({
      database,
      client,
      sender: createTransactionSender({ client, account: privateKeyToAccount(anvilAccounts[5]), logger }),
      registryCoordinator: network.contracts.registryCoordinator,
      operatorStateRetriever: network.contracts.operatorStateRetriever,
      taskManager: network.contracts.taskManager,
      fromBlock: 0n,
      grpc,
      http: http.app,
      logger,
      onSubmitted: (taskIndex, receipt) => submitted.set(taskIndex, receipt),
    })
    const grpcAddress = await grpc.listen()
    httpUrl = await http.listen()
    for (const operator of network.operators) {
      void runTaskResponder({
        client,
        taskManager: network.contracts.taskManager,
        blsKeyPair: operator.bls,
        quorums: operator.quorums,
        aggregatorAddress: grpcAddress,
        fromBlock: 0n,
        signal: responders.signal,
        logger,
      })
    }
  })

  afterAll(async () => {
    responders.abort()
    await aggregation?.stop()
    await grpc?.close()
    await http?.close()
    await database?.close()
  })

  async function waitFor<T>(read: () => T | undefined, timeoutMs = 20_000): Promise<T> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const value = read()
      if (value !== undefined) return value
      if (Date.now() > deadline) throw new Error('timed out')
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }

  test('every task created on chain gets exactly one accepted certificate', async () => {
    const tasks = [await network.createTask([0, 1], 67, 'a'), await network.createTask([0], 100, 'b')]
    for (const task of tasks) {
      const receipt = await waitFor(() => submitted.get(BigInt(task.taskIndex)))
      expect(receipt.status).toBe('success')
      const [event] = parseEventLogs({ abi: taskManagerAbi, logs: receipt.logs, eventName: 'TaskResponded' })
      expect(event?.args.taskResponse).toEqual(task.response)
      expect(
        BigInt(await getTaskResponseHash(network.publicClient as never, network.contracts.taskManager, task.taskIndex)),
      ).not.toBe(0n)
    }
    expect(submitted.size).toBe(2)

    const view = (await (await fetch(`${httpUrl}/tasks/${tasks[0]?.taskIndex}`)).json()) as {
      signers: unknown[]
      stakes: unknown
    }
    expect(view).toMatchObject({
      status: 'certified',
      digest: tasks[0]?.digest,
      nonSigners: [],
      submission: { transactionHash: submitted.get(BigInt(tasks[0]?.taskIndex ?? 0))?.transactionHash },
    })
    expect(view.signers).toHaveLength(3)
    expect(view.stakes).toEqual([
      {
        quorumNumber: 0,
        signedStake: parseEther('200').toString(),
        totalStake: parseEther('200').toString(),
        thresholdPercentage: 67,
      },
      {
        quorumNumber: 1,
        signedStake: parseEther('200').toString(),
        totalStake: parseEther('200').toString(),
        thresholdPercentage: 67,
      },
    ])
  })

  test('avskit task create makes a task the aggregator certifies, and avskit task show reports it', async () => {
    const created = await runCli([
      'task',
      'create',
      '--eth-http-url',
      chain.rpcUrl,
      '--task-manager-addr',
      network.contracts.taskManager,
      '--payload',
      'hello operators',
      '--quorums',
      '0,1',
      '--threshold',
      '60',
      '--private-key',
      anvilAccounts[7],
    ])
    expect(created.stderr).toBe('')
    const { taskIndex, quorums, threshold } = JSON.parse(created.stdout)
    expect({ quorums, threshold }).toEqual({ quorums: [0, 1], threshold: 60 })
    await network.testClient.mine({ blocks: 1 })
    const receipt = await waitFor(() => submitted.get(BigInt(taskIndex)))
    const shown = await runCli(['task', 'show', String(taskIndex), '--aggregator-url', httpUrl])
    expect(shown.code).toBe(0)
    expect(JSON.parse(shown.stdout)).toMatchObject({
      taskIndex: String(taskIndex),
      status: 'certified',
      submission: { transactionHash: receipt.transactionHash },
    })
    const unknown = await runCli(['task', 'show', '999999', '--aggregator-url', httpUrl])
    expect(unknown).toMatchObject({
      code: 1,
      stderr: `error: Task 999999 is not known to the aggregator at ${httpUrl}.\n`,
    })
  })

  test('answers 404 for an unknown task and 400 for a malformed index', async () => {
    expect((await fetch(`${httpUrl}/tasks/424242`)).status).toBe(404)
    const bad = await fetch(`${httpUrl}/tasks/abc`)
    expect(bad.status).toBe(400)
    expect(await bad.json()).toEqual({ error: 'task index must be a non-negative integer, got "abc"' })
  })
})
