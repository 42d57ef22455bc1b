import { describe, expect, test } from 'vitest'
import { useDatabase } from '../../test/database.js'
import { createLogger } from '../core/logger.js'
import { createPoolRepository, type PoolCheckinWrite } from '../store/index.js'
import { createPoolMonitor, type PoolChange } from './poolMonitor.js'

const logger = createLogger({ level: 'silent' })
const rules = { pingIntervalMs: 1_000, offlineAfterMs: 10_000 }
const t0 = Date.parse('2026-01-01T00:00:00Z')

function checkin(index: number, at: number, epoch = Math.floor(at / 1000)): PoolCheckinWrite {
  const hex = index.toString(16).padStart(40, '0')
  return {
    address: `0x${hex}`,
    operatorId: `0x${hex.padStart(64, '0')}`,
    lastCheckinAt: new Date(at),
    lastEpoch: epoch,
    authenticated: true,
    peerAddress: '127.0.0.1:1',
    reportedIp: '',
    version: 'v1',
    metricsPort: 0,
    blockNumber: 1,
    eventCount: 0,
    supportedChainIds: [],
  }
}

describe('createPoolMonitor', () => {
  const ctx = useDatabase()

  function monitorAt(clock: { now: number }, options: { sharedDatabase?: boolean; fullReloadMs?: number } = {}) {
    const changes: PoolChange[] = []
    const monitor = createPoolMonitor({
      repository: createPoolRepository(ctx.database.db),
      rules,
      channels: ['webhook'],
      sharedDatabase: options.sharedDatabase ?? false,
      fullReloadMs: options.fullReloadMs,
      logger,
      now: () => clock.now,
    })
    monitor.subscribe((change) => changes.push(change))
    return { monitor, changes }
  }

  test('loads the pool, lists it in address order, and reports only what changed at each tick', async () => {
    const repository = createPoolRepository(ctx.database.db)
    await repository.recordCheckins([checkin(3, t0), checkin(1, t0)])
    const clock = { now: t0 + 500 }
    const { monitor, changes } = monitorAt(clock)
    await monitor.tick()
    expect(monitor.loaded).toBe(true)
    expect(monitor.list().map((row) => row.address)).toEqual([checkin(1, 0).address, checkin(3, 0).address])
    expect(changes.at(-1)?.changed.map((c) => [c.row.address, c.status])).toEqual([
      [checkin(1, 0).address, 'online'],
      [checkin(3, 0).address, 'online'],
    ])

    // A row this process stored is applied at once; the next tick reports it, and nothing else.
    const stored = await repository.recordCheckins([checkin(2, t0 + 600)])
    monitor.apply(stored.get(checkin(2, 0).address)!)
    expect(monitor.list().map((row) => row.address)).toEqual([1, 2, 3].map((i) => checkin(i, 0).address))
    clock.now = t0 + 700
    await monitor.tick()
    expect(changes.at(-1)?.changed.map((c) => c.row.address)).toEqual([checkin(2, 0).address])

    // Time alone turns operators stale: the tick reports the liveness change.
    clock.now = t0 + 3_100
    await monitor.tick()
    expect(changes.at(-1)?.changed.map((c) => [c.row.address, c.status])).toEqual([
      [checkin(1, 0).address, 'stale'],
      [checkin(3, 0).address, 'stale'],
    ])
  })

  test('records an offline transition only after its start-up grace, then the recovery', async () => {
    const repository = createPoolRepository(ctx.database.db)
    // Checked in long before this process started (the aggregator was down).
    await repository.recordCheckins([checkin(1, t0 - 60_000)])
    const clock = { now: t0 }
    const { monitor } = monitorAt(clock)
    await monitor.tick()
    clock.now = t0 + 2_900
    await monitor.tick()
    expect(await repository.listAlerts()).toEqual([])
    clock.now = t0 + 3_000
    await monitor.tick()
    expect((await repository.listAlerts()).map((a) => a.kind)).toEqual(['offline'])
    expect(monitor.list()[0]?.alertState).toBe('offline')

    const back = await repository.recordCheckins([checkin(1, t0 + 4_000)])
    monitor.apply(back.get(checkin(1, 0).address)!)
    clock.now = t0 + 4_100
    await monitor.tick()
    expect((await repository.listAlerts()).map((a) => a.kind)).toEqual(['offline', 'recovered'])
    expect(monitor.list()[0]?.alertState).toBe('online')
  })

  test('on a shared database follows what other replicas write and remove', async () => {
    const repository = createPoolRepository(ctx.database.db)
    const clock = { now: t0 }
    const { monitor, changes } = monitorAt(clock, { sharedDatabase: true, fullReloadMs: 5_000 })
    await monitor.tick()
    expect(monitor.list()).toEqual([])

    // Another replica stores two check-ins.
    await repository.recordCheckins([checkin(1, t0 + 100), checkin(2, t0 + 100)])
    clock.now = t0 + 1_000
    await monitor.tick()
    expect(monitor.list().map((row) => row.checkinCount)).toEqual([1, 1])
    await repository.recordCheckins([checkin(1, t0 + 1_100, Math.floor(t0 / 1000) + 5)])
    clock.now = t0 + 2_000
    await monitor.tick()
    expect(monitor.list().map((row) => row.checkinCount)).toEqual([2, 1])

    // It removes one; the next full reload drops it here too.
    await repository.deleteOperators([checkin(2, 0).address])
    clock.now = t0 + 6_000
    await monitor.tick()
    expect(monitor.list().map((row) => row.address)).toEqual([checkin(1, 0).address])
    expect(changes.at(-1)?.removed).toEqual([checkin(2, 0).address])
  })
})
