/**
 * `avskit sync`: keeps the stakes of an AVS's operators current on chain, a drop-in replacement for Layr-Labs
 * avs-sync (same flags and `AVS_SYNC_*` variables) that sends only updates that change something, caps gas per
 * transaction, lets several replicas run with one submitter, and alerts when a quorum's stakes grow stale.
 */
import { createWriteStream } from 'node:fs'
import { Writable } from 'node:stream'
import type { Command } from 'commander'
import type { Address, Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { registryCoordinatorAbi } from '../chain/abi/index.js'
import { type ChainClient, createChainClient } from '../chain/clients.js'
import { toChainError } from '../chain/errors.js'
import { getQuorumCount } from '../chain/getQuorumCount.js'
import { createTransactionSender } from '../chain/transactionSender.js'
import { BaseError, InvalidInputError } from '../core/errors.js'
import { createHttpService } from '../core/httpService.js'
import { createShutdown, type Shutdown } from '../core/lifecycle.js'
import { createLogger, type Logger } from '../core/logger.js'
import { createMetrics } from '../core/metrics.js'
import { sleep } from '../core/sleep.js'
import {
  createStakeSync,
  createStoreSubmitterLock,
  formatSyncReport,
  runStakeSyncSchedule,
  type SyncRoundReport,
  stakeSyncLockName,
} from '../stakesync/index.js'
import { openDatabase } from '../store/index.js'
import { addCommand } from './command.js'
import { resolveSignerKey } from './keyOptions.js'
import { assertSupportedSigner, quorumSelection, syncOptions } from './syncOptions.js'

export function registerSyncCommand(program: Command): void {
  addCommand(program, {
    name: 'sync',
    description:
      "keep the operators' stakes current on chain (avs-sync compatible: diff-aware, gas-capped, one submitter)",
    options: syncOptions,
    envPrefix: 'AVS_SYNC',
    async run({ options, logger: stderrLogger }) {
      assertSupportedSigner(options)
      const quorums = quorumSelection(options)
      if (options.alertWebhookUrl !== undefined && options.maxStaleness === undefined) {
        throw new InvalidInputError('--alert-webhook-url needs --max-staleness (the age that triggers the alert).')
      }
      const key = await signerKey(options)
      const logger = options.logPath
        ? createLogger({ level: options.logLevel, format: options.logFormat, destination: tee(options.logPath) })
        : stderrLogger
      const oneShot = options.syncInterval === 0
      const shutdown = createShutdown({ logger, handleSignals: true })
      const metrics = createMetrics()
      let last: SyncRoundReport | undefined
      try {
        if (options.metricsAddr !== '') {
          const http = createHttpService({
            address: options.metricsAddr,
            logger,
            metrics,
            readiness: () =>
              last === undefined
                ? { ready: false, reason: 'no sync round has finished yet' }
                : last.outcome === 'failed'
                  ? { ready: false, reason: `the last round failed: ${last.error?.shortMessage ?? 'unknown error'}` }
                  : { ready: true },
          })
          const url = await http.listen().catch((error: Error) => {
            throw new InvalidInputError(`--metrics-addr ${options.metricsAddr}: cannot listen (${error.message}).`)
          })
          shutdown.add('http', () => http.close())
          logger.info({ metrics: `${url}/metrics` }, 'serving metrics')
        }
        const client = await connect(
          options,
          shutdown,
          logger,
          oneShot ? options.retrySyncNTimes : Number.POSITIVE_INFINITY,
        )
        if (!client) return 0
        await checkDeployment(client, options, quorums)
        const lock = options.dryRun
          ? undefined
          : createStoreSubmitterLock({
              open: () => openDatabase({ url: options.databaseUrl, dataDir: options.dataDir, logger }),
              name: stakeSyncLockName(client.chain.id, options.registryCoordinator),
              logger,
            })
        if (lock) shutdown.add('submitter lock', () => lock.close())
        const account = key ? privateKeyToAccount(key) : undefined
        if (account) logger.info({ sender: account.address }, 'sending stake updates from this account')
        const sync = createStakeSync({
          client,
          registryCoordinator: options.registryCoordinator,
          operatorStateRetriever: options.operatorStateRetriever,
          operators: options.operators,
          quorums,
          force: options.force,
          dryRun: options.dryRun,
          maxGasPerTx: options.maxGasPerTx,
          maxStalenessMs: options.maxStaleness,
          alertWebhookUrl: options.alertWebhookUrl,
          syncIntervalMs: options.syncInterval,
          attempts: options.retrySyncNTimes,
          sender: account
            ? createTransactionSender({ client, account, logger, metrics, receiptTimeout: options.writerTimeout })
            : undefined,
          from: account?.address,
          lock,
          logger,
          metrics,
        })
        const running = runStakeSyncSchedule({
          sync,
          intervalMs: options.syncInterval,
          firstSyncTimeOfDayMs: options.firstSyncTime,
          signal: shutdown.signal,
          logger,
          onRound(report) {
            last = report
            const lines = formatSyncReport(report)
            if (lines.length > 0) process.stdout.write(`${lines.join('\n')}\n`)
          },
        })
        shutdown.add('stake sync', async () => {
          await running
        })
        if (oneShot) {
          const report = await running
          await shutdown.shutdown('sync interval 0: one round done')
          if (report?.outcome === 'failed') {
            throw report.error ?? new BaseError('The stake sync round failed.')
          }
          return 0
        }
      } catch (error) {
        await shutdown.shutdown('stopped by an error')
        throw error
      }
      await shutdown.done
      return 0
    },
  })
}

async function signerKey(options: {
  ecdsaPrivateKey?: string | undefined
  ecdsaKeystore?: string | undefined
  ecdsaPasswordFile?: string | undefined
  dryRun: boolean
}): Promise<Hex | undefined> {
  if (options.ecdsaPrivateKey === undefined && options.ecdsaKeystore === undefined) {
    if (options.dryRun) return undefined
    throw new InvalidInputError(
      'Missing --ecdsa-private-key or --ecdsa-keystore: the account that sends the stake updates (a --dry-run needs neither).',
    )
  }
  return resolveSignerKey(
    {
      privateKey: options.ecdsaPrivateKey,
      ecdsaKeystore: options.ecdsaKeystore,
      ecdsaPasswordFile: options.ecdsaPasswordFile,
    },
    'the account that sends the stake updates',
  )
}

/**
 * Connects to the node, retrying with backoff: `attempts` times for a single round, until shutdown for a service
 * (an unreachable node is reported once per streak, never a crash loop). Undefined when shut down first.
 */
async function connect(
  options: { ethHttpUrl: string; readerTimeout: number },
  shutdown: Shutdown,
  logger: Logger,
  attempts: number,
): Promise<ChainClient | undefined> {
  for (let attempt = 1; ; attempt++) {
    try {
      const client = await createChainClient({ url: options.ethHttpUrl, timeout: options.readerTimeout })
      if (attempt > 1) logger.info({ attempt }, 'connected to the Ethereum node')
      return client
    } catch (error) {
      if (!(error instanceof BaseError) || !('retryable' in error) || attempt >= attempts) {
        throw attempt > 1 && error instanceof BaseError
          ? new BaseError(`${error.shortMessage.replace(/\.$/, '')} (${attempt} attempts).`, {
              cause: error,
              exitCode: error.exitCode,
            })
          : error
      }
      const waitMs = Math.min(30_000, 1_000 * 2 ** (attempt - 1))
      if (attempt === 1)
        logger.warn({ err: error.shortMessage }, 'cannot reach the Ethereum node; retrying with backoff')
      else logger.debug({ attempt, err: error.shortMessage, waitMs }, 'still cannot reach the Ethereum node')
      await sleep(waitMs, shutdown.signal)
      if (shutdown.signal.aborted) return undefined
    }
  }
}

/** Fails at start, naming the flag, when an address holds no contract or the quorums or service manager do not match. */
async function checkDeployment(
  client: ChainClient,
  options: { registryCoordinator: Address; operatorStateRetriever: Address; serviceManager?: Address | undefined },
  quorums: readonly number[] | undefined,
): Promise<void> {
  for (const [flag, address] of [
    ['--registry-coordinator-addr', options.registryCoordinator],
    ['--operator-state-retriever-addr', options.operatorStateRetriever],
  ] as const) {
    let code: Hex | undefined
    try {
      code = await client.getCode({ address })
    } catch (error) {
      throw toChainError(error, { functionName: 'eth_getCode' })
    }
    if (code === undefined || code === '0x') {
      throw new InvalidInputError(`${flag} ${address}: no contract at this address on chain ${client.chain.id}.`)
    }
  }
  if (options.serviceManager !== undefined) {
    let actual: Address
    try {
      actual = await client.readContract({
        address: options.registryCoordinator,
        abi: registryCoordinatorAbi,
        functionName: 'serviceManager',
      })
    } catch (error) {
      throw toChainError(error, { functionName: 'serviceManager' })
    }
    if (actual.toLowerCase() !== options.serviceManager.toLowerCase()) {
      throw new InvalidInputError(
        `--service-manager-addr ${options.serviceManager} is not the ServiceManager of the RegistryCoordinator (${actual}).`,
      )
    }
  }
  if (quorums !== undefined) {
    const count = await getQuorumCount({ client, registryCoordinator: options.registryCoordinator })
    const missing = quorums.filter((q) => q >= count)
    if (missing.length > 0) {
      throw new InvalidInputError(
        `Invalid --quorums: quorum ${missing.join(', ')} does not exist (the RegistryCoordinator has ${count}).`,
      )
    }
  }
}

/** Logs to stderr and appended to `path`, as avs-sync's --log.path writes to stdout and the file. */
function tee(path: string): NodeJS.WritableStream {
  const file = createWriteStream(path, { flags: 'a', mode: 0o640 })
  file.on('error', (error) => process.stderr.write(`error: cannot write --log.path ${path}: ${error.message}\n`))
  return new Writable({
    write(chunk, _encoding, callback) {
      process.stderr.write(chunk)
      file.write(chunk, () => callback())
    },
    final(callback) {
      file.end(callback)
    },
  })
}
