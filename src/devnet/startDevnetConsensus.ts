/**
 * Task consensus on the devnet (`avskit devnet --consensus raft`): every devnet operator is a member of one Raft
 * cluster (src/consensus), in this process, each with its own Raft log under `<data-dir>/raft/<index>/`, its
 * Raft transport and HTTP API on loopback, and its keystores. Operator 0 founds the cluster and the others join
 * it; on a later start every member finds its log and the cluster resumes. The leader follows the TaskManager,
 * every member signs, and the leader submits each certificate from its own account. A generator creates a task
 * every few seconds, as in the aggregator mode.
 */
import { join } from 'node:path'
import type { Address } from 'viem'
import type { ChainClient } from '../chain/clients.js'
import { type AvsTaskRequest, createAvsTaskConsensus, type TaskConsensusEngine } from '../consensus/index.js'
import type { Logger } from '../core/logger.js'
import type { Metrics } from '../core/metrics.js'
import { readBlsKeystoreFile, readEcdsaKeystoreFile, resolvePassword } from '../crypto/index.js'
import { startDevnetTaskGenerator } from './startDevnetTasks.js'
import type { DevnetSummary } from './summary.js'

export type DevnetConsensusParameters = {
  /**
   * Member i serves Raft on `basePort + 2i` and HTTP on `basePort + 2i + 1` (addresses are recorded in the log, so
   * a restart needs the same ports). 0 picks free ports: for tests that do not restart.
   */
  basePort?: number | undefined
  /** Seconds between generated tasks (0: none). */
  taskIntervalSeconds?: number | undefined
  /** How long a task collects signatures (default 30 s). */
  taskTimeoutMs?: number | undefined
  onSubmitted?: ((taskIndex: bigint, transactionHash: string, gasUsed: bigint) => void) | undefined
}

export type DevnetConsensus = {
  engines: TaskConsensusEngine<AvsTaskRequest>[]
  services: Record<string, string>
  stop(): Promise<void>
}

export async function startDevnetConsensus(
  parameters: DevnetConsensusParameters & {
    dataDir: string
    summary: DevnetSummary
    client: ChainClient
    logger: Logger
    metrics?: Metrics | undefined
  },
): Promise<DevnetConsensus> {
  const { summary, client } = parameters
  const logger = parameters.logger.child({ component: 'devnet-consensus' })
  const contract = (name: string) => {
    const address = summary.contracts[name]
    if (!address) throw new Error(`the devnet summary has no ${name}`)
    return address as Address
  }
  const base = parameters.basePort ?? 0
  const engines: TaskConsensusEngine<AvsTaskRequest>[] = []
  let stopGenerator: (() => Promise<void>) | undefined
  const stopAll = async () => {
    await stopGenerator?.()
    await Promise.allSettled(engines.map((engine) => engine.stop()))
  }
  try {
    for (const operator of summary.operators) {
      const password = await resolvePassword({
        label: `devnet operator ${operator.index}`,
        file: operator.passwordFile,
      })
      const { privateKey } = await readEcdsaKeystoreFile(operator.ecdsaKeystore, password)
      const { keyPair } = await readBlsKeystoreFile(operator.blsKeystore, password)
      const port = (offset: number) => (base === 0 ? 0 : base + 2 * operator.index + offset)
      const engine = createAvsTaskConsensus({
        client,
        privateKey,
        blsKeyPair: keyPair,
        registryCoordinator: contract('registryCoordinator'),
        operatorStateRetriever: contract('operatorStateRetriever'),
        taskManager: contract('taskManager'),
        registrationsFromBlock: BigInt(summary.deploymentBlock),
        taskTimeoutMs: parameters.taskTimeoutMs ?? 30_000,
        raftDir: join(parameters.dataDir, 'raft', String(operator.index)),
        raftAddress: `127.0.0.1:${port(0)}`,
        httpAddress: `127.0.0.1:${port(1)}`,
        logger: logger.child({ operator: operator.index }),
        metrics: parameters.metrics,
      })
      engine.on('submitted', ({ taskIndex, submission }) => {
        if ('transactionHash' in submission) {
          parameters.onSubmitted?.(taskIndex, submission.transactionHash, submission.gasUsed)
        }
      })
      engines.push(engine)
      const founder = engines[0] as TaskConsensusEngine<AvsTaskRequest>
      if (engine === founder) await engine.start({ bootstrap: true })
      else await engine.joinExistingCluster(founder.httpBindingUrl, await client.getBlockNumber())
    }
    const leader = await engines[0]?.waitForLeader(30_000)
    logger.info({ members: engines.length, leader }, 'devnet consensus cluster running')
    stopGenerator = startDevnetTaskGenerator({
      summary,
      client,
      taskIntervalSeconds: parameters.taskIntervalSeconds ?? 0,
      logger,
    })
  } catch (error) {
    await stopAll()
    throw error
  }
  const first = engines[0]
  return {
    engines,
    services: first
      ? {
          'consensus members': engines.map((e) => e.httpBindingUrl).join(' '),
          'cluster status': `${first.httpBindingUrl}/consensus/v1/status`,
        }
      : {},
    stop: stopAll,
  }
}
