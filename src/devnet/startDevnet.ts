/**
 * `avskit devnet`: a whole AVS network on one machine. Starts anvil with its state in the data folder, and on
 * first start deploys the contracts, creates the quorums and registers the operators; on later starts it loads
 * the saved chain and checks that the contracts are still there instead of redeploying.
 */
import { mkdir } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { type Address, createTestClient, http } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { registryCoordinatorAbi as devnetRegistryCoordinatorAbi } from '../chain/artifacts/index.js'
import { type ChainClient, createChainClient, createSignerClient } from '../chain/clients.js'
import { createTransactionSender } from '../chain/transactionSender.js'
import { BaseError } from '../core/errors.js'
import type { Logger } from '../core/logger.js'
import { initBn254 } from '../crypto/index.js'
import type { Exporter } from '../exporter/index.js'
import { type Database, openDatabase } from '../store/index.js'
import { type Anvil, startAnvil } from './anvil.js'
import { createOperators } from './createOperators.js'
import { createQuorumArgs, type DevnetContracts, deployContracts } from './deployContracts.js'
import { seedNetworkRegistry } from './seedNetworkRegistry.js'
import { type DevnetConsensus, type DevnetConsensusParameters, startDevnetConsensus } from './startDevnetConsensus.js'
import { type DevnetExporterParameters, startDevnetExporter } from './startDevnetExporter.js'
import { type DevnetPool, type DevnetPoolParameters, startDevnetPool } from './startDevnetPool.js'
import { type DevnetStakeSyncParameters, startDevnetStakeSync } from './startDevnetStakeSync.js'
import { type DevnetTasksParameters, devnetTaskAggregation, startDevnetTaskTraffic } from './startDevnetTasks.js'
import { type DevnetSummary, readDevnetSummary, writeDevnetSummary } from './summary.js'

/** anvil's first dev account (mnemonic "test test … junk"): a public key, only ever used on the local chain. */
export const devnetOwnerKey = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80' as const

/** The distributed-validator network the devnet registers on its NetworkRegistry for the exporter to index. */
export const devnetRegistrySeed = { operators: 8, validators: 16 } as const

export type StartDevnetParameters = {
  dataDir: string
  operators: number
  quorums: number
  /** anvil RPC port (0 picks a free one). */
  port: number
  chainId?: number | undefined
  /** Seconds between blocks once the network is set up (0: a block per transaction). */
  blockTime: number
  logger: Logger
  /** The operator pool (aggregator + one pinger per operator); `false` starts none. Free ports by default. */
  pool?: DevnetPoolParameters | false | undefined
  /**
   * Tasks, on the pool's aggregator (needs the pool): aggregation, one responder per operator and a task every
   * `intervalSeconds` (0: none generated). `false` starts none.
   */
  tasks?: DevnetTasksParameters | false | undefined
  /** Stake sync rounds in this process (`avskit devnet` runs them every few seconds); none by default. */
  stakeSync?: DevnetStakeSyncParameters | false | undefined
  /**
   * Task consensus among the operators (a Raft cluster, src/consensus) instead of the pool aggregator's task
   * aggregation: the operators sign and certify the generated tasks themselves.
   */
  consensus?: DevnetConsensusParameters | false | undefined
  /** The exporter (`/query`, `/stream`) over the pool's database; `false` starts none. Free port by default. */
  exporter?: DevnetExporterParameters | false | undefined
}

export type Devnet = {
  summary: DevnetSummary
  client: ChainClient
  anvil: Anvil
  /** True when an existing chain was loaded from the data folder. */
  resumed: boolean
  /** The running operator pool, unless `pool: false`. */
  pool: DevnetPool | undefined
  /** The operators' Raft cluster, with `consensus`. */
  consensus: DevnetConsensus | undefined
  /** The running exporter, unless `exporter: false`. */
  exporter: Exporter | undefined
  stop(): Promise<void>
}

export async function startDevnet(parameters: StartDevnetParameters): Promise<Devnet> {
  const { logger } = parameters
  const dataDir = resolve(parameters.dataDir)
  await mkdir(dataDir, { recursive: true, mode: 0o700 })
  await initBn254()
  const previous = await readDevnetSummary(dataDir)
  const anvil = await startAnvil({
    port: parameters.port,
    chainId: parameters.chainId ?? previous?.chainId ?? 31337,
    statePath: join(dataDir, 'anvil-state.json'),
    // Dump periodically too, so even a crash loses at most a few seconds of chain.
    stateInterval: 5,
    // Keep past states across restarts: reads at a reference block (getOperatorState) must still work.
    args: ['--preserve-historical-states'],
  })
  let pool: DevnetPool | undefined
  let stopTasks: (() => Promise<void>) | undefined
  let stopStakeSync: (() => Promise<void>) | undefined
  let consensus: DevnetConsensus | undefined
  let exporter: Exporter | undefined
  let exporterDatabase: Database | undefined
  const stopServices = async () => {
    await exporter?.stop()
    await exporterDatabase?.close()
    await stopStakeSync?.()
    await consensus?.stop()
    await stopTasks?.()
    await pool?.stop()
  }
  try {
    const client = await createChainClient({ url: anvil.rpcUrl })
    const resumable = previous && (await hasCode(client, previous.contracts.registryCoordinator))
    if (previous && !resumable) logger.warn('the saved chain does not hold the devnet contracts: deploying anew')

    const summary = resumable
      ? { ...previous, rpcUrl: anvil.rpcUrl }
      : await setUpNetwork({ ...parameters, dataDir, client, rpcUrl: anvil.rpcUrl })
    if (parameters.blockTime > 0) {
      await testClient(anvil.rpcUrl).setIntervalMining({ interval: parameters.blockTime })
    }
    if (parameters.pool !== false) {
      const tasks =
        parameters.tasks === false || parameters.consensus ? undefined : (parameters.tasks ?? { intervalSeconds: 0 })
      pool = await startDevnetPool({
        ...parameters.pool,
        dataDir,
        summary,
        client,
        logger,
        components: tasks ? [devnetTaskAggregation(summary, tasks)] : [],
      })
      summary.services = { ...summary.services, ...pool.services }
      if (tasks) {
        stopTasks = await startDevnetTaskTraffic({
          summary,
          client,
          aggregatorGrpcAddress: pool.aggregator.grpcAddress,
          taskIntervalSeconds: tasks.intervalSeconds,
          logger,
        })
        summary.services.tasks = `${pool.aggregator.httpUrl}/tasks/<index>`
      }
    }
    if (parameters.consensus) {
      const tasks = parameters.tasks || undefined
      consensus = await startDevnetConsensus({
        ...parameters.consensus,
        taskIntervalSeconds: parameters.consensus.taskIntervalSeconds ?? tasks?.intervalSeconds,
        onSubmitted: parameters.consensus.onSubmitted ?? tasks?.onSubmitted,
        dataDir,
        summary,
        client,
        logger,
      })
      summary.services = { ...summary.services, ...consensus.services }
    }
    if (parameters.stakeSync) {
      stopStakeSync = startDevnetStakeSync({ ...parameters.stakeSync, summary, client, logger })
      summary.services['stake sync'] =
        `every ${parameters.stakeSync.intervalMs / 1000} s (avskit devnet stake changes shares)`
    }
    if (parameters.exporter !== false) {
      // The devnet's processes share one embedded database; without the pool the exporter opens it itself.
      if (!pool) exporterDatabase = await openDatabase({ dataDir, logger })
      const database = pool?.database ?? (exporterDatabase as Database)
      const started = await startDevnetExporter({ ...parameters.exporter, summary, client, database, logger })
      exporter = started.exporter
      summary.services = { ...summary.services, ...started.services }
    }
    await writeDevnetSummary(dataDir, summary)
    return {
      summary,
      client,
      anvil,
      resumed: Boolean(resumable),
      pool,
      consensus,
      exporter,
      async stop() {
        await stopServices()
        await anvil.stop()
      },
    }
  } catch (error) {
    await stopServices()
    await anvil.stop()
    throw error
  }
}

async function hasCode(client: ChainClient, address: Address | undefined): Promise<boolean> {
  if (!address) return false
  const code = await client.getCode({ address })
  return code !== undefined && code !== '0x'
}

function testClient(rpcUrl: string) {
  return createTestClient({ mode: 'anvil', transport: http(rpcUrl) })
}

async function setUpNetwork(
  parameters: StartDevnetParameters & { dataDir: string; client: ChainClient; rpcUrl: string },
): Promise<DevnetSummary> {
  const { client, logger } = parameters
  if (parameters.quorums < 1) throw new BaseError('A devnet needs at least one quorum.')
  const ownerAccount = privateKeyToAccount(devnetOwnerKey)
  const deploymentBlock = await client.getBlockNumber()
  const contracts = await deployContracts({
    publicClient: client,
    walletClient: createSignerClient(client, ownerAccount),
    onProgress: (step) => logger.info({ step }, 'deploying'),
  })
  // Created after the deployment: the sender takes the account's nonce from the chain at its first send.
  const owner = createTransactionSender({ client, account: ownerAccount, logger })
  for (let quorum = 0; quorum < parameters.quorums; quorum++) {
    await owner.send({
      address: contracts.registryCoordinator,
      abi: devnetRegistryCoordinatorAbi,
      functionName: 'createQuorum',
      args: createQuorumArgs({ strategies: contracts.strategies }),
    })
  }
  logger.info({ quorums: parameters.quorums }, 'quorums created')
  const testActions = testClient(parameters.rpcUrl)
  const operators = await createOperators({
    client,
    owner,
    contracts,
    dataDir: parameters.dataDir,
    count: parameters.operators,
    quorumCount: parameters.quorums,
    logger,
    setBalance: (address, value) => testActions.setBalance({ address, value }),
  })
  await seedNetworkRegistry({
    sender: owner,
    networkRegistry: contracts.networkRegistry,
    operators: devnetRegistrySeed.operators,
    validators: devnetRegistrySeed.validators,
    validatorsPerTransaction: 4,
  })
  logger.info(devnetRegistrySeed, 'network registry seeded')
  return {
    chainId: client.chain.id,
    rpcUrl: parameters.rpcUrl,
    deploymentBlock: deploymentBlock.toString(),
    contracts: contractAddresses(contracts),
    quorumCount: parameters.quorums,
    operators,
    services: {},
  }
}

function contractAddresses(contracts: DevnetContracts): Record<string, Address> {
  const { strategies, ...named } = contracts
  return { ...named, ...Object.fromEntries(strategies.map((s, i) => [`strategy${i}`, s])) }
}
