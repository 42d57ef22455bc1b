/**
 * Stake sync, avs-sync's job done diff-aware, gas-capped and safe to run on several replicas: each round reads the
 * quorums (or the given operators) at the latest block, sends only the updates that change something, retries with
 * a re-read, and reports each quorum's staleness. One round at a time; `runStakeSyncSchedule` repeats them.
 */
import type { Address } from 'viem'
import { registryCoordinatorAbi } from '../chain/abi/index.js'
import type { ChainClient } from '../chain/clients.js'
import { toChainError } from '../chain/errors.js'
import { getQuorumCount } from '../chain/getQuorumCount.js'
import type { TransactionSender } from '../chain/transactionSender.js'
import { BaseError, InvalidInputError } from '../core/errors.js'
import type { Logger } from '../core/logger.js'
import type { Metrics } from '../core/metrics.js'
import type { StakeSyncPolicy } from './decideQuorumUpdate.js'
import { readBlockTimes } from './readBlockTimes.js'
import { getStakeRegistry } from './readQuorumStakes.js'
import { SubmitterLockLostError } from './sendWithRetries.js'
import type { StakeSyncContext, StakeSyncHooks } from './stakeSyncContext.js'
import { readWithRetries } from './stakeSyncContext.js'
import { createStalenessAlerts, type QuorumStaleness } from './stalenessAlerts.js'
import type { SubmitterLock } from './submitterLock.js'
import { syncOperators } from './syncOperators.js'
import { syncQuorums } from './syncQuorums.js'
import type { SyncRoundReport } from './syncReport.js'

export type CreateStakeSyncParameters = {
  client: ChainClient
  registryCoordinator: Address
  operatorStateRetriever: Address
  /** Operator-subset mode (`updateOperators`) when given and not empty; full-set mode otherwise. */
  operators?: readonly Address[] | undefined
  /** Quorums to keep current; undefined: all of them, `quorumCount()` read every round. */
  quorums?: readonly number[] | undefined
  /** Send even when nothing changed. */
  force?: boolean | undefined
  /** Read and estimate, send nothing. */
  dryRun?: boolean | undefined
  maxGasPerTx?: bigint | undefined
  /** Milliseconds; see `decideQuorumUpdate` and `stalenessAlerts`. */
  maxStalenessMs?: number | undefined
  /** Posted when a quorum turns stale or recovers (needs `maxStalenessMs`). */
  alertWebhookUrl?: string | undefined
  /** Time between rounds in ms (0: a single round); used to refresh quorums before they turn stale. */
  syncIntervalMs?: number | undefined
  /** Tries per update and per read (avs-sync `--retry-sync-n-times`, default 3). */
  attempts?: number | undefined
  /** Wait before the second try, doubling after (default 1 s). */
  retryBackoffMs?: number | undefined
  /** Sends the updates; required unless `dryRun`. */
  sender?: TransactionSender | undefined
  /** Account gas is estimated for; default the sender's. */
  from?: Address | undefined
  /** Only the holder sends; default: no lock (a single replica). */
  lock?: SubmitterLock | undefined
  logger: Logger
  metrics: Metrics
  hooks?: StakeSyncHooks | undefined
  now?: (() => number) | undefined
}

export type StakeSync = {
  /** One round; never throws for chain trouble: a failed round is a report with `outcome: 'failed'`. */
  runRound(signal?: AbortSignal): Promise<SyncRoundReport>
}

/** Estimates need some sender; this address is nobody's, and M2's update functions are not permissioned. */
const anyAccount = '0x000000000000000000000000000000000000a11c' as Address

/**
 * @example
 * const sync = createStakeSync({ client, registryCoordinator, operatorStateRetriever, sender, logger, metrics })
 * const report = await sync.runRound()
 */
export function createStakeSync(parameters: CreateStakeSyncParameters): StakeSync {
  const { client, registryCoordinator, metrics } = parameters
  const logger = parameters.logger.child({ module: 'stakesync' })
  const dryRun = parameters.dryRun ?? false
  if (!dryRun && !parameters.sender) throw new BaseError('createStakeSync needs a sender unless dryRun is set.')
  const policy: StakeSyncPolicy = {
    force: parameters.force ?? false,
    maxStalenessMs: parameters.maxStalenessMs,
    syncIntervalMs: parameters.syncIntervalMs ?? 0,
  }
  const now = parameters.now ?? Date.now
  const alerts =
    parameters.maxStalenessMs === undefined
      ? undefined
      : createStalenessAlerts({
          chainId: client.chain.id,
          registryCoordinator,
          maxStalenessMs: parameters.maxStalenessMs,
          webhookUrl: parameters.alertWebhookUrl,
          logger,
          metrics,
        })
  let stakeRegistry: Address | undefined

  return {
    async runRound(signal) {
      const startedAt = new Date(now())
      const report: SyncRoundReport = {
        outcome: 'completed',
        mode: parameters.operators?.length ? 'operators' : 'quorums',
        dryRun,
        startedAt,
        durationMs: 0,
        quorums: [],
        unregistered: [],
        operatorChanges: [],
        updates: [],
        staleness: [],
      }
      const finish = (outcome: SyncRoundReport['outcome'], error?: BaseError) => {
        report.outcome = outcome
        report.error = error
        report.durationMs = now() - startedAt.getTime()
        metrics.stakeSync.roundsTotal.inc({ outcome })
        if (outcome === 'completed') metrics.stakeSync.lastRoundTimestampSeconds.set(now() / 1000)
        return report
      }
      const lock = parameters.lock
      if (!dryRun && lock) {
        let held: boolean
        try {
          held = await lock.hold()
        } catch (error) {
          return finish('failed', failure(error, logger))
        }
        metrics.stakeSync.isSubmitter.set(held ? 1 : 0)
        if (!held) {
          logger.info('another replica holds the stake-sync lock: standing by')
          return finish('standby')
        }
      }
      const retries = {
        attempts: Math.max(1, parameters.attempts ?? 3),
        retryBackoffMs: parameters.retryBackoffMs ?? 1_000,
        signal,
        logger,
        metrics,
      }
      let quorumNumbers: number[]
      try {
        stakeRegistry ??= await readWithRetries(retries, 'stakeRegistry', () =>
          getStakeRegistry(client, registryCoordinator),
        )
        quorumNumbers = await readWithRetries(retries, 'quorums', () => quorumsToSync(parameters))
      } catch (error) {
        return finish('failed', failure(error, logger))
      }
      const context: StakeSyncContext = {
        ...retries,
        client,
        registryCoordinator,
        operatorStateRetriever: parameters.operatorStateRetriever,
        stakeRegistry,
        policy,
        dryRun,
        maxGasPerTx: parameters.maxGasPerTx,
        sender: parameters.sender,
        from: parameters.from ?? parameters.sender?.account.address ?? anyAccount,
        hooks: parameters.hooks ?? {},
        async assertSubmitter() {
          if (lock && !(await lock.hold())) {
            metrics.stakeSync.isSubmitter.set(0)
            throw new SubmitterLockLostError()
          }
        },
        now,
      }
      try {
        let lastFullUpdates: { quorumNumber: number; block: bigint; at: number | undefined }[] = []
        if (report.mode === 'operators') {
          Object.assign(report, await syncOperators(context, parameters.operators as Address[]))
          if (alerts)
            lastFullUpdates = await readWithRetries(context, 'quorum update blocks', () =>
              readLastFullUpdates(context, quorumNumbers),
            )
        } else {
          const round = await syncQuorums(context, quorumNumbers)
          report.blockNumber = round.blockNumber
          report.quorums = round.quorums
          report.updates = round.updates
          lastFullUpdates = round.lastFullUpdates
        }
        if (parameters.maxStalenessMs !== undefined) {
          report.staleness = staleness(lastFullUpdates, parameters.maxStalenessMs, now())
          if (!dryRun) await alerts?.report(report.staleness, signal)
        }
      } catch (error) {
        return finish('failed', failure(error, logger))
      }
      const failed = report.updates.find((u) => u.outcome === 'failed')
      return finish(failed ? 'failed' : 'completed', failed?.error)
    },
  }
}

function failure(error: unknown, logger: Logger): BaseError {
  const typed = error instanceof BaseError ? error : new BaseError(String(error), { cause: error })
  logger.error({ err: typed.shortMessage }, 'stake sync round failed')
  return typed
}

async function quorumsToSync(parameters: CreateStakeSyncParameters): Promise<number[]> {
  const count = await getQuorumCount({ client: parameters.client, registryCoordinator: parameters.registryCoordinator })
  if (parameters.quorums === undefined) return Array.from({ length: count }, (_, q) => q)
  const missing = parameters.quorums.filter((q) => q >= count)
  if (missing.length > 0) {
    throw new InvalidInputError(
      `Invalid --quorums: quorum ${missing.join(', ')} does not exist (the RegistryCoordinator has ${count} quorum${count === 1 ? '' : 's'}).`,
    )
  }
  return [...parameters.quorums]
}

async function readLastFullUpdates(context: StakeSyncContext, quorumNumbers: readonly number[]) {
  const blocks = await Promise.all(
    quorumNumbers.map(async (quorumNumber) => {
      try {
        return await context.client.readContract({
          address: context.registryCoordinator,
          abi: registryCoordinatorAbi,
          functionName: 'quorumUpdateBlockNumber',
          args: [quorumNumber],
        })
      } catch (error) {
        throw toChainError(error, { functionName: 'quorumUpdateBlockNumber' })
      }
    }),
  )
  const times = await readBlockTimes(context.client, blocks)
  return quorumNumbers.map((quorumNumber, i) => {
    const block = blocks[i] as bigint
    return { quorumNumber, block, at: times.get(block) }
  })
}

function staleness(
  updates: readonly { quorumNumber: number; block: bigint; at: number | undefined }[],
  maxStalenessMs: number,
  now: number,
): QuorumStaleness[] {
  return updates.map(({ quorumNumber, block, at }) => {
    const ageMs = block === 0n || at === undefined ? undefined : Math.max(0, now - at)
    return {
      quorumNumber,
      lastFullUpdateBlock: block,
      lastFullUpdateAt: at === undefined || block === 0n ? undefined : new Date(at),
      ageMs,
      stale: ageMs === undefined || ageMs > maxStalenessMs,
    }
  })
}
