/**
 * Task consensus among operator processes on anvil (issue 5, "Done when"): four `avskit operator --raft-dir`
 * processes form a cluster, tasks are created on chain continuously, the leader is killed with SIGKILL in the middle
 * of a task, a new leader is elected within 1.5 s and resumes the aggregation from the log, every task created on
 * chain gets exactly one certificate accepted on chain, the killed operator restarts and catches up, a fifth
 * operator joins, and a key that is not a registered operator is refused.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Address, stringToHex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, onTestFailed, test } from 'vitest'
import { taskManagerAbi } from '../../src/chain/artifacts/index.js'
import { createNewTask, getTaskResponseHash } from '../../src/chain/taskManager.js'
import { createTransactionSender } from '../../src/chain/transactionSender.js'
import type { ClusterStatus } from '../../src/consensus/index.js'
import { createLogger } from '../../src/core/logger.js'
import {
  createBlsKeystore,
  createEcdsaKeystore,
  generateBlsPrivateKey,
  lightScryptParams,
  writeKeystoreFile,
} from '../../src/crypto/index.js'
import { type Devnet, startDevnet } from '../../src/devnet/startDevnet.js'
import { anvilAccounts } from '../anvil.js'
import { runCli } from '../cli.js'
import {
  freePort,
  type OperatorKeys,
  type OperatorPorts,
  type OperatorProcess,
  operatorPorts,
  startOperatorProcess,
  statusOf,
  waitFor,
} from './operatorProcess.js'

const logger = createLogger({ level: 'silent' })

describe('avskit operator --raft-dir: a cluster of operator processes', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'avskit-cluster-'))
  let devnet: Devnet
  let aggregatorPort: number
  const running: OperatorProcess[] = []

  beforeAll(async () => {
    // Five registered operators in one quorum (stakes 1000…5000): four found the cluster, the fifth joins later.
    devnet = await startDevnet({ dataDir, operators: 5, quorums: 1, port: 0, blockTime: 0, logger, pool: false })
    aggregatorPort = await freePort()
  })

  afterAll(async () => {
    for (const operator of running) operator.child.kill('SIGKILL')
    await Promise.all(running.map((o) => o.exited))
    await devnet?.stop()
    rmSync(dataDir, { recursive: true, force: true })
  })

  function launch(
    name: string,
    keys: OperatorKeys,
    ports: OperatorPorts,
    mode: { bootstrap: true } | { join: string },
    raftName?: string,
  ) {
    const operator = startOperatorProcess({
      name,
      raftName,
      summary: devnet.summary,
      keys,
      dataDir,
      ports,
      mode,
      aggregatorPort,
      // Snapshots every 25 entries: a restart restores a snapshot and replays the log after it.
      extraArgs: ['--raft-snapshot-entries', '25', '--collection-window', '400', '--task-timeout', '120'],
    })
    running.push(operator)
    return operator
  }

  async function started(operator: OperatorProcess) {
    const line = await operator.started
    if ('exitCode' in line) throw new Error(`${operator.name} exited with ${line.exitCode}:\n${operator.stderr()}`)
    return line
  }

  test('certifies every task exactly once across a leader kill, a restart and a join; refuses a stranger', {
    timeout: 240_000,
  }, async () => {
    onTestFailed(() => {
      // Warnings and errors of every operator, to see what went wrong where.
      for (const operator of running) {
        const lines = operator
          .stderr()
          .split('\n')
          .filter((line) => /"level":(40|50|60)/.test(line))
        process.stderr.write(`--- ${operator.name}\n${lines.slice(-40).join('\n')}\n`)
      }
    })
    const { summary, client } = devnet
    const taskManager = summary.contracts.taskManager as Address
    const operators = summary.operators
    const ports = await Promise.all(operators.map(() => operatorPorts()))
    const keysOf = (i: number) => operators[i] as OperatorKeys

    // 1. Four operators: the first founds the cluster, three join through it.
    const members: OperatorProcess[] = [launch('op0', keysOf(0), ports[0] as OperatorPorts, { bootstrap: true })]
    await started(members[0] as OperatorProcess)
    for (let i = 1; i < 4; i++)
      members.push(launch(`op${i}`, keysOf(i), ports[i] as OperatorPorts, { join: members[0]!.httpUrl }))
    await Promise.all(members.map(started))
    const firstStatus = await waitFor('four voters', async () => {
      const status = await statusOf(members[0] as OperatorProcess)
      return status && status.members.filter((m) => m.suffrage === 'voter').length === 4 ? status : undefined
    })
    expect(firstStatus.members.map((m) => m.id).sort()).toEqual(
      operators
        .slice(0, 4)
        .map((o) => o.address)
        .sort(),
    )
    const shown = await runCli(['cluster', 'status', '--url', members[1]!.httpUrl, '--json'])
    expect(shown.code).toBe(0)
    expect(JSON.parse(shown.stdout)).toMatchObject({
      id: operators[1]?.address,
      role: 'follower',
      leaderId: firstStatus.leaderId,
      term: expect.any(Number),
      commit: expect.any(Number),
      applied: expect.any(Number),
      members: expect.arrayContaining([expect.objectContaining({ id: operators[3]?.address, suffrage: 'voter' })]),
    })

    // 2. Tasks on chain, continuously, until the end of the scenario.
    const generator = createTransactionSender({ client, account: privateKeyToAccount(anvilAccounts[7]), logger })
    const created: number[] = []
    let generating = true
    const generation = (async () => {
      while (generating) {
        const { taskIndex } = await createNewTask({
          sender: generator,
          taskManager,
          payload: stringToHex(`cluster task ${created.length}`),
          quorumNumbers: [0],
          // 40 % of 15 000: any three of the four founders reach it, whichever one is down.
          thresholdPercentage: 40,
        })
        created.push(taskIndex)
        await new Promise((resolve) => setTimeout(resolve, 300))
      }
    })()
    const submittedCount = async () => (await statusOf(members[0] as OperatorProcess))?.tasks.submitted ?? 0
    await waitFor('three certified tasks', async () => (await submittedCount()) >= 3, 60_000)

    // 3. kill -9 of the leader while a task has signatures in the log and no certificate yet.
    const leaderId = (await statusOf(members[0] as OperatorProcess))?.leaderId
    const leaderIndex = operators.findIndex((o) => o.address === leaderId)
    expect(leaderIndex).toBeGreaterThanOrEqual(0)
    const leader = members[leaderIndex] as OperatorProcess
    const inFlight = await waitFor(
      'a task in flight on the leader',
      async () => {
        const status = await statusOf(leader)
        return status?.tasks.inFlight.find((t) => t.signers > 0)
      },
      30_000,
      5,
    )
    leader.child.kill('SIGKILL')
    const killedAt = Date.now()
    await leader.exited
    const survivors = members.filter((m) => m !== leader)
    const newLeader = await waitFor(
      'a new leader',
      async () => {
        const views = await Promise.all(survivors.map(statusOf))
        const lead = views[0]?.leaderId
        return lead && lead !== leaderId && views.every((v) => v?.leaderId === lead) ? lead : undefined
      },
      10_000,
      20,
    )
    const failoverMs = Date.now() - killedAt
    expect(failoverMs).toBeLessThan(1_500)
    expect(newLeader).not.toBe(leaderId)

    // The new leader resumed the aggregation with the signatures the killed one had committed…
    const successor = survivors.find((m) => operators[members.indexOf(m)]?.address === newLeader) as OperatorProcess
    const resumed = await waitFor('the new leader to resume', async () =>
      successor
        .stderr()
        .split('\n')
        .filter((line) => line.includes('leading: aggregation resumed from the log'))
        .map((line) => JSON.parse(line) as { pending: number; signatures: number })
        .at(-1),
    )
    expect(resumed.pending).toBeGreaterThanOrEqual(1)
    expect(resumed.signatures).toBeGreaterThanOrEqual(inFlight.signers)
    // …and the task that was in flight is certified on chain.
    await waitFor(
      `task ${inFlight.taskIndex} responded on chain`,
      async () => BigInt(await getTaskResponseHash(client, taskManager, Number(inFlight.taskIndex))) !== 0n,
      30_000,
    )

    // 4. The killed operator restarts with the same flags and data, and catches up: it restores its last snapshot
    // and replays the log after it.
    expect(readdirSync(join(dataDir, `raft-op${leaderIndex}`, 'snap')).length).toBeGreaterThan(0)
    const restarted = launch(
      `op${leaderIndex}-restarted`,
      keysOf(leaderIndex),
      ports[leaderIndex] as OperatorPorts,
      leaderIndex === 0 ? { bootstrap: true } : { join: survivors[0]!.httpUrl },
      `op${leaderIndex}`,
    )
    await started(restarted)
    const reference = (await statusOf(survivors[0] as OperatorProcess)) as ClusterStatus
    await waitFor(
      'the restarted operator to catch up',
      async () => {
        const status = await statusOf(restarted)
        return status && status.leaderId === newLeader && status.applied >= reference.commit
      },
      30_000,
    )
    members[leaderIndex] = restarted

    // 5. A fifth operator joins through a follower (it is sent on to the leader).
    const fifth = launch('op4', keysOf(4), ports[4] as OperatorPorts, { join: survivors[0]!.httpUrl })
    await started(fifth)
    await waitFor('five voters', async () => {
      const status = await statusOf(fifth)
      return status && status.members.filter((m) => m.suffrage === 'voter').length === 5
    })

    // 6. An ECDSA key that is not a registered operator is refused, with a clear error.
    const strangerDir = join(dataDir, 'stranger')
    const password = 'stranger password'
    const ecdsa = await createEcdsaKeystore({ password, scrypt: lightScryptParams })
    const bls = await createBlsKeystore({ privateKey: generateBlsPrivateKey(), password, scrypt: lightScryptParams })
    const stranger: OperatorKeys = {
      ecdsaKeystore: join(strangerDir, 'ecdsa.json'),
      blsKeystore: join(strangerDir, 'bls.json'),
      passwordFile: join(strangerDir, 'password.txt'),
    }
    await writeKeystoreFile(stranger.ecdsaKeystore, ecdsa.keystore)
    await writeKeystoreFile(stranger.blsKeystore, bls.keystore)
    await writeFile(stranger.passwordFile, `${password}\n`)
    const refused = launch('stranger', stranger, await operatorPorts(), { join: members[0]!.httpUrl })
    const outcome = await refused.started
    expect(outcome).toEqual({ exitCode: 1 })
    expect(refused.stderr()).toMatch(/not registered with RegistryCoordinator/)

    // 7. Stop creating tasks; every task created on chain gets exactly one accepted certificate.
    generating = false
    await generation
    await waitFor(
      'every task responded on chain',
      async () => {
        for (const taskIndex of created) {
          if (BigInt(await getTaskResponseHash(client, taskManager, taskIndex)) === 0n) return false
        }
        return true
      },
      60_000,
      250,
    )
    const responded = await client.getContractEvents({
      address: taskManager,
      abi: taskManagerAbi,
      eventName: 'TaskResponded',
      fromBlock: BigInt(summary.deploymentBlock),
      strict: true,
    })
    const counts = new Map<number, number>()
    for (const event of responded) {
      const index = event.args.taskResponse.referenceTaskIndex
      counts.set(index, (counts.get(index) ?? 0) + 1)
    }
    expect([...counts.keys()].sort((a, b) => a - b)).toEqual(created)
    expect([...counts.values()].every((n) => n === 1)).toBe(true)
    expect(created.length).toBeGreaterThanOrEqual(5)
  })
})
