/**
 * `kill -9` of the aggregator process in the middle of a task. Two of four operators' signatures are accepted
 * (a 100 % threshold is not met), the process is killed without any chance to flush, and a new process over the
 * same data folder completes the task when the other two operators answer: nobody sends twice, and the
 * certificate lands on chain exactly once.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseEther } from 'viem'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { createTaskAggregatorClient } from '../../src/aggregation/taskAggregatorClient.js'
import { createChainClient } from '../../src/chain/clients.js'
import { getTaskResponseHash } from '../../src/chain/taskManager.js'
import { signDigest } from '../../src/crypto/index.js'
import { anvilAccounts, useAnvil } from '../anvil.js'
import { runCli } from '../cli.js'
import { createNetwork, type Network, type NetworkOperator } from './network.js'

const main = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url))

describe('aggregator kill -9', () => {
  const chain = useAnvil()
  let network: Network
  const dataDir = mkdtempSync(join(tmpdir(), 'avskit-aggregator-'))
  const children: ChildProcess[] = []

  beforeAll(async () => {
    network = await createNetwork(
      chain.rpcUrl,
      1,
      [1, 2, 3, 4].map(() => ({ quorums: [0], shares: parseEther('10') })),
    )
  })

  afterAll(() => {
    for (const child of children) child.kill('SIGKILL')
    rmSync(dataDir, { recursive: true, force: true })
  })

  async function startAggregator(): Promise<{ child: ChildProcess; grpc: string; http: string }> {
    const child = spawn(
      process.execPath,
      [
        main,
        'aggregator',
        '--eth-http-url',
        chain.rpcUrl,
        '--registry-coordinator-addr',
        network.contracts.registryCoordinator,
        '--operator-state-retriever-addr',
        network.contracts.operatorStateRetriever,
        '--task-manager-addr',
        network.contracts.taskManager,
        '--data-dir',
        dataDir,
        '--grpc-addr',
        '127.0.0.1:0',
        '--http-addr',
        '127.0.0.1:0',
        '--task-timeout',
        '300',
        '--log-format',
        'json',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, AVSKIT_PRIVATE_KEY: anvilAccounts[6] } },
    )
    children.push(child)
    child.stderr?.resume()
    const line = await new Promise<string>((resolve, reject) => {
      let output = ''
      child.stdout?.on('data', (d: Buffer) => {
        output += d.toString()
        const newline = output.indexOf('\n')
        if (newline >= 0) resolve(output.slice(0, newline))
      })
      child.once('exit', (code) => reject(new Error(`aggregator exited with ${code} before it listened`)))
    })
    const { grpc, http } = JSON.parse(line) as { grpc: string; http: string }
    return { child, grpc, http }
  }

  async function waitFor(check: () => Promise<boolean>, timeoutMs = 30_000) {
    const deadline = Date.now() + timeoutMs
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error('timed out')
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
  }

  test('completes the task after a restart with the signatures accepted before the kill', {
    timeout: 180_000,
  }, async () => {
    const first = await startAggregator()
    const task = await network.createTask([0], 100, 'kill -9')
    const send = async (address: string, operator: NetworkOperator) => {
      const client = createTaskAggregatorClient(address)
      try {
        return await client.send({
          response: task.response,
          signature: signDigest(operator.bls.privateKey, task.digest),
          operatorId: operator.bls.operatorId,
        })
      } finally {
        client.close()
      }
    }
    const [a, b, c, d] = network.operators as [NetworkOperator, NetworkOperator, NetworkOperator, NetworkOperator]
    // The aggregator may see the task a moment after it is created: early answers wait for it.
    expect(await send(first.grpc, a)).toEqual({ accepted: true, code: '', message: '' })
    expect(await send(first.grpc, b)).toMatchObject({ accepted: true })

    first.child.kill('SIGKILL')
    await new Promise((resolve) => first.child.once('exit', resolve))

    const second = await startAggregator()
    const shown = await runCli(['task', 'show', String(task.taskIndex), '--aggregator-url', second.http, '--json'])
    expect(shown.code).toBe(0)
    expect(JSON.parse(shown.stdout)).toMatchObject({ status: 'pending', signers: [a.bls.operatorId, b.bls.operatorId] })

    expect(await send(second.grpc, c)).toMatchObject({ accepted: true })
    expect(await send(second.grpc, d)).toMatchObject({ accepted: true })
    const client = await createChainClient({ url: chain.rpcUrl })
    await waitFor(
      async () => BigInt(await getTaskResponseHash(client, network.contracts.taskManager, task.taskIndex)) !== 0n,
    )

    await waitFor(async () => {
      const view = JSON.parse(
        (await runCli(['task', 'show', String(task.taskIndex), '--aggregator-url', second.http])).stdout,
      )
      return view.status === 'certified' && view.submission?.transactionHash !== undefined && view.signers.length === 4
    })
    second.child.kill('SIGTERM')
  })
})
