/**
 * The staleness alert: a quorum whose last full update (`quorumUpdateBlockNumber`) is older than `--max-staleness`
 * is logged as an error, counted in `avssync_stale_quorums`, and posted once to the webhook (and once more when it
 * recovers). A webhook that fails is retried at the next round while the state still holds. The state lives in the
 * process: a restarted replica alerts again for a quorum that is still stale.
 */
import type { Address } from 'viem'
import { redactSecrets } from '../core/errors.js'
import { formatGoDuration } from '../core/goDuration.js'
import type { Logger } from '../core/logger.js'
import type { Metrics } from '../core/metrics.js'

export type QuorumStaleness = {
  quorumNumber: number
  /** 0n: never updated in full. */
  lastFullUpdateBlock: bigint
  /** Undefined when never updated in full. */
  lastFullUpdateAt: Date | undefined
  ageMs: number | undefined
  stale: boolean
}

export type StalenessAlertPayload = {
  event: 'quorum.stale' | 'quorum.recovered'
  at: string
  text: string
  chainId: number
  registryCoordinator: Address
  quorumNumber: number
  lastFullUpdateBlock: string
  lastFullUpdateAt: string | null
  stalenessSeconds: number | null
  maxStalenessSeconds: number
}

export type StalenessAlerts = {
  /** Records this round's staleness of every quorum: metrics, logs, webhooks on a change of state. */
  report(staleness: readonly QuorumStaleness[], signal?: AbortSignal): Promise<void>
}

export type CreateStalenessAlertsParameters = {
  chainId: number
  registryCoordinator: Address
  maxStalenessMs: number
  webhookUrl?: string | undefined
  logger: Logger
  metrics: Metrics
  /** Milliseconds per webhook attempt (default 10 s). */
  webhookTimeoutMs?: number | undefined
}

export function createStalenessAlerts(parameters: CreateStalenessAlertsParameters): StalenessAlerts {
  const { logger, metrics, maxStalenessMs } = parameters
  /** The state last delivered per quorum (true: stale); absent until a first alert was needed. */
  const delivered = new Map<number, boolean>()

  function payload(entry: QuorumStaleness): StalenessAlertPayload {
    const age =
      entry.ageMs === undefined
        ? 'never updated in full'
        : `last updated in full ${formatGoDuration(entry.ageMs)} ago (block ${entry.lastFullUpdateBlock})`
    const text = entry.stale
      ? `Quorum ${entry.quorumNumber} of ${parameters.registryCoordinator} is stale: ${age}, over --max-staleness ${formatGoDuration(maxStalenessMs)}.`
      : `Quorum ${entry.quorumNumber} of ${parameters.registryCoordinator} is current again: ${age}.`
    return {
      event: entry.stale ? 'quorum.stale' : 'quorum.recovered',
      at: new Date().toISOString(),
      text,
      chainId: parameters.chainId,
      registryCoordinator: parameters.registryCoordinator,
      quorumNumber: entry.quorumNumber,
      lastFullUpdateBlock: entry.lastFullUpdateBlock.toString(),
      lastFullUpdateAt: entry.lastFullUpdateAt?.toISOString() ?? null,
      stalenessSeconds: entry.ageMs === undefined ? null : Math.floor(entry.ageMs / 1000),
      maxStalenessSeconds: Math.floor(maxStalenessMs / 1000),
    }
  }

  async function post(body: StalenessAlertPayload, signal: AbortSignal | undefined): Promise<boolean> {
    if (!parameters.webhookUrl) return true
    const kind = body.event === 'quorum.stale' ? 'stale' : 'recovered'
    try {
      const response = await fetch(parameters.webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'avskit-sync' },
        body: JSON.stringify(body),
        signal: AbortSignal.any([
          ...(signal ? [signal] : []),
          AbortSignal.timeout(parameters.webhookTimeoutMs ?? 10_000),
        ]),
      })
      await response.body?.cancel()
      if (!response.ok) throw new Error(`the webhook answered HTTP ${response.status}`)
      metrics.stakeSync.alertsTotal.inc({ kind, outcome: 'delivered' })
      return true
    } catch (error) {
      metrics.stakeSync.alertsTotal.inc({ kind, outcome: 'failed' })
      // The URL may hold a token: name the failure by its code only.
      const cause =
        error instanceof Error ? ((error.cause as { code?: string } | undefined)?.code ?? error.message) : ''
      logger.warn(
        { quorum: body.quorumNumber, event: body.event, error: redactSecrets(String(cause)) },
        'staleness alert webhook failed; retrying at the next round',
      )
      return false
    }
  }

  return {
    async report(staleness, signal) {
      let stale = 0
      for (const entry of staleness) {
        const quorum = String(entry.quorumNumber)
        metrics.stakeSync.quorumStalenessSeconds.set({ quorum }, entry.ageMs === undefined ? -1 : entry.ageMs / 1000)
        if (entry.stale) {
          stale++
          logger.error(
            {
              quorum: entry.quorumNumber,
              lastFullUpdateBlock: entry.lastFullUpdateBlock.toString(),
              ageMs: entry.ageMs,
              maxStalenessMs,
            },
            'quorum stake update is stale',
          )
        }
        // Alert on becoming stale, and on recovering from an alerted staleness.
        const previous = delivered.get(entry.quorumNumber)
        if (entry.stale ? previous !== true : previous === true) {
          if (await post(payload(entry), signal)) delivered.set(entry.quorumNumber, entry.stale)
        }
      }
      metrics.stakeSync.staleQuorums.set(stale)
    },
  }
}
