import { describe, expect, test } from 'vitest'
import { testDatabaseKind, useDatabase } from '../../test/database.js'
import type { Database } from './database.js'
import { createPoolRepository, type PoolCheckinWrite } from './poolRepository.js'

const onPostgres = testDatabaseKind === 'postgres'

function checkin(index: number, overrides: Partial<PoolCheckinWrite> = {}): PoolCheckinWrite {
  const hex = index.toString(16).padStart(40, '0')
  return {
    address: `0x${hex}`,
    operatorId: `0x${hex.padStart(64, '0')}`,
    lastCheckinAt: new Date('2026-01-01T00:00:00.123Z'),
    lastEpoch: 1_700_000_000,
    authenticated: true,
    peerAddress: '127.0.0.1:50000',
    reportedIp: '10.0.0.1',
    version: 'v1.0.0',
    metricsPort: 9090,
    blockNumber: 2 ** 40,
    eventCount: 12,
    supportedChainIds: [1, 17000],
    ...overrides,
  }
}

const at = (iso: string) => new Date(iso)

describe('poolRepository', () => {
  const ctx = useDatabase()
  /** A second replica: another connection pool on PostgreSQL, the same handle on PGlite (one process). */
  const replica = async (): Promise<Database> => (onPostgres ? ctx.openAnother() : ctx.database)

  test('records a batch of check-ins and reads every field back', async () => {
    const pool = createPoolRepository(ctx.database.db)
    const rows = Array.from({ length: 2_500 }, (_, i) => checkin(i))
    const accepted = await pool.recordCheckins(rows)
    expect(accepted.size).toBe(2_500)
    expect(accepted.get(checkin(7).address)).toEqual(await pool.getOperator(checkin(7).address))
    expect(await pool.countOperators()).toBe(2_500)
    expect(await pool.getOperator(checkin(7).address)).toEqual({
      ...checkin(7),
      firstSeenAt: checkin(7).lastCheckinAt,
      checkinCount: 1,
      alertState: 'online',
      alertStateAt: checkin(7).lastCheckinAt,
    })
    const listed = await pool.listOperators()
    expect(listed.map((r) => r.address)).toEqual(rows.map((r) => r.address))
  })

  test('accepts a signed check-in only with a newer epoch, counting check-ins and keeping first seen', async () => {
    const pool = createPoolRepository(ctx.database.db)
    await pool.recordCheckins([checkin(1)])
    const later = at('2026-01-01T00:00:05Z')
    const replayed = await pool.recordCheckins([checkin(1, { lastCheckinAt: later, version: 'replayed' })])
    expect(replayed.size).toBe(0)
    const older = await pool.recordCheckins([checkin(1, { lastEpoch: 1_699_999_999, lastCheckinAt: later })])
    expect(older.size).toBe(0)
    expect(await pool.getOperator(checkin(1).address)).toMatchObject({ version: 'v1.0.0', checkinCount: 1 })

    const newer = await pool.recordCheckins([
      checkin(1, { lastEpoch: 1_700_000_005, lastCheckinAt: later, version: 'v1.1.0', supportedChainIds: [] }),
    ])
    expect([...newer.keys()]).toEqual([checkin(1).address])
    expect(newer.get(checkin(1).address)?.checkinCount).toBe(2)
    expect(await pool.getOperator(checkin(1).address)).toMatchObject({
      version: 'v1.1.0',
      lastEpoch: 1_700_000_005,
      lastCheckinAt: later,
      firstSeenAt: checkin(1).lastCheckinAt,
      supportedChainIds: [],
      checkinCount: 2,
    })
  })

  test('stores text with quotes, backslashes, braces, commas and non-ASCII exactly as given', async () => {
    const pool = createPoolRepository(ctx.database.db)
    const versions = ['v1 "quoted", {braced} \\back\\slash', 'NULL', '', "it's é✓ <b>", '{1,2}', ' padded ']
    const accepted = await pool.recordCheckins(
      versions.map((version, i) => checkin(i, { version, peerAddress: `[::1]:${i}`, reportedIp: i ? '' : '::1' })),
    )
    expect([...accepted.values()].map((row) => row.version)).toEqual(versions)
    const stored = await pool.listOperators()
    expect(stored.map((row) => row.version)).toEqual(versions)
    expect(stored[0]?.reportedIp).toBe('::1')
    expect(stored.map((row) => row.supportedChainIds)).toEqual(versions.map(() => [1, 17000]))
  })

  test('of several check-ins for one operator in a batch, tries only the newest', async () => {
    const pool = createPoolRepository(ctx.database.db)
    const accepted = await pool.recordCheckins([
      checkin(1, { lastEpoch: 10, version: 'a' }),
      checkin(1, { lastEpoch: 30, version: 'c' }),
      checkin(1, { lastEpoch: 20, version: 'b' }),
      checkin(2),
    ])
    expect(accepted.size).toBe(2)
    expect(await pool.getOperator(checkin(1).address)).toMatchObject({ version: 'c', lastEpoch: 30, checkinCount: 1 })
  })

  test('unauthenticated check-ins always replace the record but never lower the epoch', async () => {
    const pool = createPoolRepository(ctx.database.db)
    await pool.recordCheckins([checkin(1, { lastEpoch: 50 })])
    const accepted = await pool.recordCheckins([checkin(1, { lastEpoch: 0, authenticated: false, version: 'legacy' })])
    expect(accepted.size).toBe(1)
    expect(await pool.getOperator(checkin(1).address)).toMatchObject({
      version: 'legacy',
      authenticated: false,
      lastEpoch: 50,
      checkinCount: 2,
    })
    expect((await pool.recordCheckins([checkin(1, { lastEpoch: 50 })])).size).toBe(0)
  })

  test('lists operators checked in since an instant and deletes operators', async () => {
    const pool = createPoolRepository(ctx.database.db)
    await pool.recordCheckins([
      checkin(1, { lastCheckinAt: at('2026-01-01T00:00:00Z') }),
      checkin(2, { lastCheckinAt: at('2026-01-01T00:00:10Z') }),
    ])
    const since = await pool.listOperatorsCheckedInSince(at('2026-01-01T00:00:05Z'))
    expect(since.map((r) => r.address)).toEqual([checkin(2).address])
    expect(await pool.deleteOperators([checkin(2).address, checkin(9).address])).toEqual([checkin(2).address])
    expect(await pool.deleteOperators([])).toEqual([])
    expect(await pool.countOperators()).toBe(1)
  })

  test('records each offline and recovery transition once, with one queued alert per channel', async () => {
    const pool = createPoolRepository(ctx.database.db)
    await pool.recordCheckins([
      checkin(1, { lastCheckinAt: at('2026-01-01T00:00:00Z') }),
      checkin(2, { lastCheckinAt: at('2026-01-01T00:09:00Z') }),
    ])
    const channels = ['webhook', 'telegram', 'email']
    const tick = { cutoff: at('2026-01-01T00:05:00Z'), channels, now: at('2026-01-01T00:10:00Z') }
    const offline = await pool.markOffline(tick)
    expect(offline.map((r) => r.address)).toEqual([checkin(1).address])
    expect(await pool.markOffline(tick)).toEqual([])
    expect(await pool.markRecovered(tick)).toEqual([])

    const back = at('2026-01-01T00:12:00Z')
    await pool.recordCheckins([checkin(1, { lastEpoch: 1_800_000_000, lastCheckinAt: back })])
    const recoveredTick = { cutoff: at('2026-01-01T00:07:00Z'), channels, now: at('2026-01-01T00:12:01Z') }
    const recovered = await pool.markRecovered(recoveredTick)
    expect(recovered).toHaveLength(1)
    expect(recovered[0]?.offlineSince).toEqual(tick.now)
    expect(await pool.markRecovered(recoveredTick)).toEqual([])

    const alerts = await pool.listAlerts()
    expect(alerts.map((a) => [a.kind, a.channel])).toEqual([
      ['offline', 'webhook'],
      ['offline', 'telegram'],
      ['offline', 'email'],
      ['recovered', 'webhook'],
      ['recovered', 'telegram'],
      ['recovered', 'email'],
    ])
    expect(alerts[0]?.operator).toEqual({
      address: checkin(1).address,
      operatorId: checkin(1).operatorId,
      version: 'v1.0.0',
      lastCheckinAt: '2026-01-01T00:00:00.000Z',
      blockNumber: 2 ** 40,
      eventCount: 12,
      peerAddress: '127.0.0.1:50000',
    })
    expect(alerts[3]?.operator).toMatchObject({
      offlineSince: tick.now.toISOString(),
      lastCheckinAt: back.toISOString(),
    })
    expect(await pool.countUndeliveredAlerts()).toBe(6)
  })

  test('leases due alerts in order per operator and channel, retries failed ones, and completes delivered ones', async () => {
    const pool = createPoolRepository(ctx.database.db)
    await pool.recordCheckins([checkin(1, { lastCheckinAt: at('2026-01-01T00:00:00Z') })])
    const t0 = at('2026-01-01T00:10:00Z')
    await pool.markOffline({ cutoff: at('2026-01-01T00:05:00Z'), channels: ['webhook'], now: t0 })
    await pool.recordCheckins([checkin(1, { lastEpoch: 1_800_000_000, lastCheckinAt: at('2026-01-01T00:11:00Z') })])
    await pool.markRecovered({ cutoff: at('2026-01-01T00:06:00Z'), channels: ['webhook'], now: t0 })

    // The recovery alert waits for the offline alert of the same operator and channel.
    const first = await pool.claimAlerts({ now: t0, leaseMs: 30_000, limit: 10 })
    expect(first.map((a) => [a.kind, a.attempts])).toEqual([['offline', 1]])
    expect(await pool.claimAlerts({ now: t0, leaseMs: 30_000, limit: 10 })).toEqual([])

    const retryAt = at('2026-01-01T00:10:02Z')
    await pool.markAlertFailed(first[0]!.id, { error: 'HTTP 500', nextAttemptAt: retryAt })
    expect(await pool.claimAlerts({ now: at('2026-01-01T00:10:01Z'), leaseMs: 30_000, limit: 10 })).toEqual([])
    const second = await pool.claimAlerts({ now: retryAt, leaseMs: 30_000, limit: 10 })
    expect(second.map((a) => [a.kind, a.attempts, a.lastError])).toEqual([['offline', 2, 'HTTP 500']])

    // A lease that runs out makes the alert claimable again (its holder died).
    const expired = await pool.claimAlerts({ now: at('2026-01-01T00:10:40Z'), leaseMs: 30_000, limit: 10 })
    expect(expired.map((a) => a.attempts)).toEqual([3])
    await pool.markAlertDelivered(expired[0]!.id, at('2026-01-01T00:10:41Z'))
    const third = await pool.claimAlerts({ now: at('2026-01-01T00:10:41Z'), leaseMs: 30_000, limit: 10 })
    expect(third.map((a) => a.kind)).toEqual(['recovered'])
    await pool.markAlertDelivered(third[0]!.id, at('2026-01-01T00:10:42Z'))
    expect(await pool.countUndeliveredAlerts()).toBe(0)
  })

  test('two replicas share the pool: a replay reaching the other replica is refused, and transitions and leases happen once', async () => {
    const other = await replica()
    const a = createPoolRepository(ctx.database.db)
    const b = createPoolRepository(other.db)
    await a.recordCheckins([
      checkin(1, { lastCheckinAt: at('2026-01-01T00:00:00Z') }),
      checkin(2, { lastCheckinAt: at('2026-01-01T00:09:00Z') }),
    ])
    expect((await b.listOperators()).map((r) => r.address)).toEqual([checkin(1).address, checkin(2).address])
    expect((await b.recordCheckins([checkin(1)])).size).toBe(0)

    const tick = { cutoff: at('2026-01-01T00:05:00Z'), channels: ['webhook', 'email'], now: at('2026-01-01T00:10:00Z') }
    const results = await Promise.all([a.markOffline(tick), b.markOffline(tick), a.markOffline(tick)])
    expect(results.flat().map((r) => r.address)).toEqual([checkin(1).address])
    expect(await a.countUndeliveredAlerts()).toBe(2)

    const claims = await Promise.all([
      a.claimAlerts({ now: tick.now, leaseMs: 30_000, limit: 1 }),
      b.claimAlerts({ now: tick.now, leaseMs: 30_000, limit: 1 }),
      a.claimAlerts({ now: tick.now, leaseMs: 30_000, limit: 1 }),
    ])
    const ids = claims.flat().map((alert) => alert.id)
    expect(ids).toHaveLength(2)
    expect(new Set(ids).size).toBe(2)
  })
})
