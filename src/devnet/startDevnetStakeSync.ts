/**
 * Stake sync on the devnet: `avskit sync`'s rounds every few seconds in the devnet process, sending from anvil
 * account 3 (accounts 0–2 are the owner, the aggregator and the task generator), so that shares changed with
 * `avskit devnet stake` reach the StakeRegistry on their own. One process, one submitter: no lock.
 */
import type { Address } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import type { ChainClient } from '../chain/clients.js'
import { createTransactionSender } from '../chain/transactionSender.js'
import type { Logger } from '../core/logger.js'
import { createMetrics } from '../core/metrics.js'
import { createStakeSync, runStakeSyncSchedule, type SyncRoundReport } from '../stakesync/index.js'
import type { DevnetSummary } from './summary.js'

/** anvil dev account 3 (public test key, local chain only): the devnet's stake-sync sender. */
export const devnetStakeSyncKey = '0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6' as const

export type DevnetStakeSyncParameters = {
  /** Milliseconds between rounds. */
  intervalMs: number
  /** Every round's report (the CLI prints the ones that sent something). */
  onRound?: ((report: SyncRoundReport) => void) | undefined
}

export type StartDevnetStakeSyncParameters = DevnetStakeSyncParameters & {
  summary: DevnetSummary
  client: ChainClient
  logger: Logger
}

/** Starts the rounds; resolves to a stop function that lets a round in progress finish. */
export function startDevnetStakeSync(parameters: StartDevnetStakeSyncParameters): () => Promise<void> {
  const { summary, client, logger } = parameters
  const account = privateKeyToAccount(devnetStakeSyncKey)
  const sync = createStakeSync({
    client,
    registryCoordinator: summary.contracts.registryCoordinator as Address,
    operatorStateRetriever: summary.contracts.operatorStateRetriever as Address,
    sender: createTransactionSender({ client, account, logger }),
    syncIntervalMs: parameters.intervalMs,
    logger,
    metrics: createMetrics({ defaultMetrics: false }),
  })
  const controller = new AbortController()
  const running = runStakeSyncSchedule({
    sync,
    intervalMs: parameters.intervalMs,
    signal: controller.signal,
    logger,
    onRound: parameters.onRound,
  })
  logger.info({ intervalMs: parameters.intervalMs, sender: account.address }, 'devnet stake sync started')
  return async () => {
    controller.abort()
    await running
  }
}
