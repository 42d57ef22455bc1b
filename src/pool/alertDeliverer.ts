/**
 * Delivers the alert outbox (`pool_alerts`): leases due alerts (`FOR UPDATE SKIP LOCKED`, so replicas share the
 * work and never send one alert twice while its lease holds), sends each to its channel, and marks it delivered or
 * schedules the next attempt with exponential backoff. Alerts are retried until delivered, across restarts (they
 * are rows, not memory); an operator's alerts on one channel go out in the order they were raised.
 *
 * A replica that dies after sending but before marking leaves the lease to expire and the alert is sent again:
 * delivery is at least once.
 */
import type { Logger } from '../core/logger.js'
import type { Metrics } from '../core/metrics.js'
import type { PoolAlertRow, PoolRepository } from '../store/index.js'
import type { AlertChannel } from './alertChannel.js'
import { formatAlert } from './alertMessage.js'
import { backoffMs, delay } from './delay.js'
import { createErrorStreak, type ErrorStreak } from './errorStreak.js'
import type { ExplorerSites } from './explorerLinks.js'

export type CreateAlertDelivererParameters = {
  repository: PoolRepository
  channels: readonly AlertChannel[]
  sites: ExplorerSites
  logger: Logger
  metrics?: Metrics | undefined
  now?: (() => number) | undefined
  /** How often to look for due alerts. Default 1 s. */
  pollMs?: number | undefined
  /** How long a lease holds an alert for one attempt. Default 60 s. */
  leaseMs?: number | undefined
  /** First retry delay; doubles per attempt. Default 5 s. */
  retryBaseMs?: number | undefined
  /** Longest retry delay. Default 5 min. */
  retryMaxMs?: number | undefined
  /** Alerts leased per round. Default 16. */
  batch?: number | undefined
}

export type AlertDeliverer = {
  /** Delivers until `signal` aborts. */
  run(signal: AbortSignal): Promise<void>
  /** One round: lease, send, record. Returns how many alerts were tried. */
  deliverDue(signal: AbortSignal): Promise<number>
}

export function createAlertDeliverer(parameters: CreateAlertDelivererParameters): AlertDeliverer {
  const { repository, metrics, sites } = parameters
  const logger = parameters.logger.child({ module: 'alerts' })
  const now = parameters.now ?? Date.now
  const pollMs = parameters.pollMs ?? 1_000
  const leaseMs = parameters.leaseMs ?? 60_000
  const retryBaseMs = parameters.retryBaseMs ?? 5_000
  const retryMaxMs = parameters.retryMaxMs ?? 300_000
  const batch = parameters.batch ?? 16
  const channels = new Map(parameters.channels.map((channel) => [channel.name, channel]))
  const streaks = new Map<string, ErrorStreak>()
  const streakOf = (name: string) => {
    let streak = streaks.get(name)
    if (!streak) {
      streak = createErrorStreak(logger.child({ channel: name }), `alert delivery over ${name}`)
      streaks.set(name, streak)
    }
    return streak
  }
  const loopStreak = createErrorStreak(logger, 'alert outbox')

  async function deliver(alert: PoolAlertRow, signal: AbortSignal): Promise<void> {
    const channel = channels.get(alert.channel)
    const streak = streakOf(alert.channel)
    try {
      if (!channel) throw new Error(`channel ${alert.channel} is not configured`)
      await channel.send(formatAlert(alert, sites), signal)
      await repository.markAlertDelivered(alert.id, new Date(now()))
      metrics?.pool.alertsTotal.inc({ channel: alert.channel, kind: alert.kind, outcome: 'delivered' })
      streak.succeeded()
      logger.info({ channel: alert.channel, kind: alert.kind, address: alert.address }, 'alert delivered')
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error)
      const wait = channel ? backoffMs(alert.attempts, retryBaseMs, retryMaxMs) : 3_600_000
      await repository.markAlertFailed(alert.id, { error: message, nextAttemptAt: new Date(now() + wait) })
      metrics?.pool.alertsTotal.inc({ channel: alert.channel, kind: alert.kind, outcome: 'failed' })
      streak.failed(error, { kind: alert.kind, address: alert.address, attempts: alert.attempts, retryInMs: wait })
    }
  }

  async function deliverDue(signal: AbortSignal): Promise<number> {
    const due = await repository.claimAlerts({ now: new Date(now()), leaseMs, limit: batch })
    await Promise.all(due.map((alert) => deliver(alert, signal)))
    metrics?.pool.alertsUndelivered.set(await repository.countUndeliveredAlerts())
    return due.length
  }

  return {
    async run(signal) {
      while (!signal.aborted) {
        let tried = 0
        try {
          tried = await deliverDue(signal)
          loopStreak.succeeded()
        } catch (error) {
          loopStreak.failed(error)
        }
        if (tried < batch) await delay(pollMs, signal)
      }
    },
    deliverDue,
  }
}
