/**
 * What an operator reports about its chain in each check-in: the block it has processed up to (the head it last
 * read) and how many events of the AVS's contracts it has processed since it started. It follows the head every
 * `pollIntervalMs`, reading the contracts' logs in ranges of at most `maxBlockRange` blocks, and logs errors once
 * per streak; while the node is unreachable the last figures are reported.
 */
import type { Address } from 'viem'
import type { ChainClient } from '../chain/clients.js'
import { toChainError } from '../chain/errors.js'
import type { Logger } from '../core/logger.js'
import { backoffMs, delay } from './delay.js'
import { createErrorStreak } from './errorStreak.js'

export type ChainProgressStatus = { blockNumber: number; eventCount: number }

export type CreateChainProgressParameters = {
  client: ChainClient
  /** Contracts whose events count (RegistryCoordinator, TaskManager, …); none: only the head is followed. */
  addresses: readonly Address[]
  logger: Logger
  pollIntervalMs?: number | undefined
  maxBlockRange?: number | undefined
}

export type ChainProgress = {
  run(signal: AbortSignal): Promise<void>
  status(): ChainProgressStatus
}

export function createChainProgress(parameters: CreateChainProgressParameters): ChainProgress {
  const { client, addresses } = parameters
  const logger = parameters.logger.child({ module: 'chain-progress' })
  const pollIntervalMs = parameters.pollIntervalMs ?? 2_000
  const maxBlockRange = BigInt(parameters.maxBlockRange ?? 1_000)
  const streak = createErrorStreak(logger, 'following the chain')
  let blockNumber = 0n
  let eventCount = 0
  let next: bigint | undefined

  return {
    async run(signal) {
      let attempt = 0
      while (!signal.aborted) {
        try {
          const latest = await client.getBlockNumber()
          let from = next ?? latest + 1n
          while (addresses.length > 0 && from <= latest && !signal.aborted) {
            const to: bigint = from + maxBlockRange - 1n < latest ? from + maxBlockRange - 1n : latest
            const logs = await client.getLogs({ address: [...addresses], fromBlock: from, toBlock: to })
            eventCount += logs.length
            from = to + 1n
          }
          next = from > latest ? from : latest + 1n
          blockNumber = latest
          attempt = 0
          streak.succeeded()
          await delay(pollIntervalMs, signal)
        } catch (error) {
          attempt++
          streak.failed(toChainError(error, { functionName: 'eth_getLogs' }))
          await delay(backoffMs(attempt, pollIntervalMs, 30_000), signal)
        }
      }
    },
    status() {
      return { blockNumber: Number(blockNumber), eventCount }
    },
  }
}
