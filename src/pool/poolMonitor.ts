/**
 * The pool in memory, and its clock. `/operator`, the dashboard and its live updates read this copy, never the
 * database, so a request costs no query however many operators there are.
 *
 * - Check-ins this process stores are applied at once (`apply`, with the row the upsert returned).
 * - Every `tickMs` the monitor records offline and recovery transitions in the database (which queues their alerts,
 *   once across replicas: see `poolRepository.ts`), recomputes every operator's liveness, updates the gauges, and
 *   tells subscribers which operators changed since the last tick. Offline transitions wait until the monitor has
 *   run for `startupGraceMs` (3 ping intervals): after an aggregator restart, operators that kept running have not
 *   been able to check in yet, and an alert for each of them would be false.
 * - On a database other processes write too (`sharedDatabase`: PostgreSQL with several replicas), each tick also
 *   reads the check-in marks (address, time, count) written since the previous read, minus `overlapMs` for writes
 *   that committed late, fetches the rows that differ from the copy, and reloads the copy whole every
 *   `fullReloadMs`, which also drops operators another replica removed. PGlite has one process: nothing to read.
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
  /** Other processes write this database too (PostgreSQL replicas). */
  sharedDatabase: boolean
  logger: Logger
  metrics?: Metrics | undefined
  now?: (() => number) | undefined
  /** Default 1 s. */
  tickMs?: number | undefined
  /** Default 60 s. */
  fullReloadMs?: number | undefined
  /** Default 2 s. */
  overlapMs?: number | undefined
  /** Default 3 ping intervals. */
  startupGraceMs?: number | undefined
}

export type PoolMonitor = {
  /** Loads the pool (once), then ticks until `signal` aborts. */
  run(signal: AbortSignal): Promise<void>
  /** One tick; the first one loads the pool. */
  tick(): Promise<void>
  /** Takes a row this process just stored. */
  apply(row: PoolOperatorRow): void
  /** Every operator, in address order. */
  list(): readonly PoolOperatorRow[]
  /** Drops operators from the copy at once (after this replica deleted them) and tells subscribers. */
  remove(addresses: readonly string[]): void
  subscribe(listener: (change: PoolChange) => void): () => void
  /** True once the pool has been loaded. */
  readonly loaded: boolean
  /** Grows whenever a row is added, replaced or removed. */
  readonly version: number
}

export function createPoolMonitor(parameters: CreatePoolMonitorParameters): PoolMonitor {
  const { repository, rules, channels, metrics, sharedDatabase } = parameters
  const logger = parameters.logger.child({ module: 'pool-monitor' })
  const now = parameters.now ?? Date.now
  const tickMs = parameters.tickMs ?? 1_000
  const fullReloadMs = parameters.fullReloadMs ?? 60_000
  const overlapMs = parameters.overlapMs ?? 2_000
  const startupGraceMs = parameters.startupGraceMs ?? 3 * rules.pingIntervalMs
  let startedAt: number | undefined
  const streak = createErrorStreak(logger, 'pool monitor tick')

  const rows = new Map<string, PoolOperatorRow>()
  const statuses = new Map<string, OperatorLiveness>()
  const touched = new Set<string>()
  const listeners = new Set<(change: PoolChange) => void>()
  /** Addresses in order, rebuilt only when an operator joins or leaves. */
  let sortedAddresses: string[] | undefined
  let lastRead = 0
  let lastFullReload = 0
  let loaded = false
  let version = 0

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

  const put = (row: PoolOperatorRow) => {
    if (!rows.has(row.address)) sortedAddresses = undefined
    rows.set(row.address, row)
    touched.add(row.address)
    version++
  }

  const drop = (address: string) => {
    if (!rows.delete(address)) return false
    statuses.delete(address)
    touched.delete(address)
    sortedAddresses = undefined
    version++
    return true
  }

  /** Reads what other replicas wrote since the last read. */
  async function readOthers(at: number): Promise<string[]> {
    const removed: string[] = []
    if (!loaded || at - lastFullReload >= fullReloadMs) {
      const all = await repository.listOperators()
      const present = new Set(all.map((row) => row.address))
      for (const address of [...rows.keys()]) if (!present.has(address) && drop(address)) removed.push(address)
      for (const row of all) {
        const known = rows.get(row.address)
        if (!known || known.checkinCount !== row.checkinCount || known.alertState !== row.alertState) put(row)
      }
      lastFullReload = at
    } else if (sharedDatabase) {
      const marks = await repository.listCheckinMarksSince(new Date(lastRead - overlapMs))
      const stale = marks.filter((mark) => {
        const known = rows.get(mark.address)
        return !known || known.checkinCount < mark.checkinCount
      })
      for (const row of await repository.getOperators(stale.map((mark) => mark.address))) put(row)
    }
    lastRead = at
    return removed
  }

  async function tick(): Promise<void> {
    const at = now()
    startedAt ??= at
    const cutoff = new Date(at - rules.offlineAfterMs)
    const offline =
      at - startedAt >= startupGraceMs ? await repository.markOffline({ cutoff, channels, now: new Date(at) }) : []
    for (const row of offline) {
      logger.warn({ address: row.address, lastCheckinAt: row.lastCheckinAt.toISOString() }, 'operator offline')
    }
    const recovered = await repository.markRecovered({ cutoff, channels, now: new Date(at) })
    for (const row of recovered) {
      logger.info({ address: row.address, offlineSince: row.offlineSince.toISOString() }, 'operator back online')
    }
    const removed = sharedDatabase || !loaded ? await readOthers(at) : []
    for (const row of [...offline, ...recovered]) {
      const { offlineSince: _offlineSince, ...plain } = row as PoolOperatorRow & { offlineSince?: Date }
      const known = rows.get(row.address)
      // A check-in applied after the transition's read is newer than the row the transition returned.
      if (!known || known.checkinCount <= plain.checkinCount) put(plain)
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
    touched.clear()
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
    apply(row) {
      const known = rows.get(row.address)
      if (known && known.checkinCount > row.checkinCount) return
      put(row)
    },
    list() {
      sortedAddresses ??= [...rows.keys()].sort()
      return sortedAddresses.map((address) => rows.get(address) as PoolOperatorRow)
    },
    remove(addresses) {
      const removed = addresses.filter((address) => drop(address))
      emit({ changed: [], removed, now: now() })
    },
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    get loaded() {
      return loaded
    },
    get version() {
      return version
    },
  }
}
