/**
 * The pool's clock: every `tickMs` it records offline and recovery transitions in the database (which queues their
 * alerts, once across replicas: see `poolRepository.ts`), refreshes its in-memory copy of the pool from the rows
 * checked in since the last tick, recomputes every operator's liveness, updates the gauges, and tells subscribers
 * (the dashboard's live updates) which operators changed.
 *
 * The copy is read incrementally (`last_checkin_at` after the previous read, minus `overlapMs` for check-ins whose
 * write finished after a later read), and reloaded whole every `fullReloadMs`, which also picks up operators another
 * replica removed.
 */
import type { Logger } from '../core/logger.js'
import type { Metrics } from '../core/metrics.js'
import type { PoolOperatorRow, PoolRepository } from '../store/index.js'
import { delay } from './delay.js'
import { createErrorStreak } from './errorStreak.js'
import { type LivenessRules, livenessOf, type OperatorLiveness } from './liveness.js'

export type PoolChange = {
  /** Operators whose row or liveness changed, with their liveness now. */
  changed: { row: PoolOperatorRow; status: OperatorLiveness }[]
  /** Addresses no longer in the pool. */
  removed: string[]
  now: number
}

export type CreatePoolMonitorParameters = {
  repository: PoolRepository
  rules: LivenessRules
  /** Alert channels to queue one alert each for, per transition. */
  channels: readonly string[]
  logger: Logger
  metrics?: Metrics | undefined
  now?: (() => number) | undefined
  /** Default 1 s. */
  tickMs?: number | undefined
  /** Default 30 s. */
  fullReloadMs?: number | undefined
  /** Default 5 s. */
  overlapMs?: number | undefined
}

export type PoolMonitor = {
  /** Loads the pool, then ticks until `signal` aborts. */
  run(signal: AbortSignal): Promise<void>
  /** One tick (tests, and `run`). */
  tick(): Promise<void>
  /** Every operator in the copy with its liveness at `now`. */
  snapshot(): { rows: PoolOperatorRow[]; statuses: OperatorLiveness[]; now: number }
  /** Drops operators from the copy at once (after this replica deleted them) and tells subscribers. */
  remove(addresses: readonly string[]): void
  subscribe(listener: (change: PoolChange) => void): () => void
  /** True once the pool has been loaded. */
  readonly loaded: boolean
}

export function createPoolMonitor(parameters: CreatePoolMonitorParameters): PoolMonitor {
  const { repository, rules, channels, metrics } = parameters
  const logger = parameters.logger.child({ module: 'pool-monitor' })
  const now = parameters.now ?? Date.now
  const tickMs = parameters.tickMs ?? 1_000
  const fullReloadMs = parameters.fullReloadMs ?? 30_000
  const overlapMs = parameters.overlapMs ?? 5_000
  const streak = createErrorStreak(logger, 'pool monitor tick')

  const rows = new Map<string, PoolOperatorRow>()
  const statuses = new Map<string, OperatorLiveness>()
  const listeners = new Set<(change: PoolChange) => void>()
  let lastRead = 0
  let lastFullReload = 0
  let loaded = false

  const emit = (change: PoolChange) => {
    if (change.changed.length === 0 && change.removed.length === 0) return
    for (const listener of listeners) {
      try {
        listener(change)
      } catch (error) {
        logger.error({ err: error }, 'pool change listener failed')
      }
    }
  }

  const sameRow = (a: PoolOperatorRow, b: PoolOperatorRow) =>
    a.checkinCount === b.checkinCount &&
    a.lastCheckinAt.getTime() === b.lastCheckinAt.getTime() &&
    a.alertState === b.alertState &&
    a.version === b.version

  async function tick(): Promise<void> {
    const at = now()
    const cutoff = new Date(at - rules.offlineAfterMs)
    const offline = await repository.markOffline({ cutoff, channels, now: new Date(at) })
    for (const row of offline) {
      logger.warn({ address: row.address, lastCheckinAt: row.lastCheckinAt.toISOString() }, 'operator offline')
    }
    const recovered = await repository.markRecovered({ cutoff, channels, now: new Date(at) })
    for (const row of recovered) {
      logger.info({ address: row.address, offlineSince: row.offlineSince.toISOString() }, 'operator back online')
    }

    const full = !loaded || at - lastFullReload >= fullReloadMs
    const fresh = full
      ? await repository.listOperators()
      : await repository.listOperatorsCheckedInSince(new Date(lastRead - overlapMs))
    lastRead = at
    const removed: string[] = []
    if (full) {
      lastFullReload = at
      const present = new Set(fresh.map((row) => row.address))
      for (const address of rows.keys()) {
        if (!present.has(address)) {
          rows.delete(address)
          statuses.delete(address)
          removed.push(address)
        }
      }
    }
    const touched = new Set<string>()
    for (const row of [...fresh, ...offline, ...recovered]) {
      const previous = rows.get(row.address)
      if (previous && sameRow(previous, row)) continue
      const { offlineSince: _offlineSince, ...plain } = row as PoolOperatorRow & { offlineSince?: Date }
      rows.set(row.address, plain)
      touched.add(row.address)
    }

    const counts: Record<OperatorLiveness, number> = { online: 0, stale: 0, offline: 0 }
    const changed: PoolChange['changed'] = []
    for (const [address, row] of rows) {
      const status = livenessOf(row.lastCheckinAt.getTime(), at, rules)
      counts[status]++
      if (statuses.get(address) !== status || touched.has(address)) {
        statuses.set(address, status)
        changed.push({ row, status })
      }
    }
    for (const [status, n] of Object.entries(counts)) metrics?.pool.operators.set({ status }, n)
    loaded = true
    emit({ changed, removed, now: at })
  }

  return {
    async run(signal) {
      while (!signal.aborted) {
        try {
          await tick()
          streak.succeeded()
        } catch (error) {
          streak.failed(error)
        }
        await delay(tickMs, signal)
      }
    },
    tick,
    snapshot() {
      const at = now()
      const list = [...rows.values()]
      return { rows: list, statuses: list.map((row) => livenessOf(row.lastCheckinAt.getTime(), at, rules)), now: at }
    },
    remove(addresses) {
      const removed = addresses.filter((address) => rows.delete(address))
      for (const address of removed) statuses.delete(address)
      emit({ changed: [], removed, now: now() })
    },
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    get loaded() {
      return loaded
    },
  }
}
