import { describe, expect, test } from 'vitest'
import { createLogger } from '../core/logger.js'
import type { PoolCheckinWrite, PoolOperatorRow, PoolRepository } from '../store/index.js'
import { createCheckinWriter } from './checkinWriter.js'

const logger = createLogger({ level: 'silent' })

function checkin(index: number, epoch = 1_700_000_000): PoolCheckinWrite {
  return {
    address: `0x${index.toString(16).padStart(40, '0')}`,
    operatorId: `0x${'11'.repeat(32)}`,
    lastCheckinAt: new Date(epoch * 1000),
    lastEpoch: epoch,
    authenticated: true,
    peerAddress: '127.0.0.1:50000',
    reportedIp: '',
    version: 'v1',
    metricsPort: 9090,
    blockNumber: 1,
    eventCount: 1,
    supportedChainIds: [],
  }
}

/** A repository that accepts every row and remembers each call's batch and when it came. */
function recordingRepository() {
  const writes: { size: number; at: number }[] = []
  const repository = {
    async recordCheckins(rows: readonly PoolCheckinWrite[]) {
      writes.push({ size: rows.length, at: performance.now() })
      const stored = rows.map(
        (row): PoolOperatorRow => ({
          ...row,
          checkinCount: 1,
          firstSeenAt: row.lastCheckinAt,
          alertState: 'online',
          alertStateAt: row.lastCheckinAt,
        }),
      )
      return new Map(stored.map((row) => [row.address, row]))
    },
  } as Partial<PoolRepository> as PoolRepository
  return { repository, writes }
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('createCheckinWriter', () => {
  test('writes the first check-in at once, and those arriving within the write interval together after it', async () => {
    const { repository, writes } = recordingRepository()
    const writer = createCheckinWriter({ repository, logger, writeIntervalMs: 50 })
    const started = performance.now()
    await writer.write(checkin(0))
    const later = [1, 2, 3].map((i) => writer.write(checkin(i)))
    await delay(10)
    later.push(writer.write(checkin(4)))
    const stored = await Promise.all(later)
    expect(stored.map((row) => row?.address)).toEqual([1, 2, 3, 4].map((i) => checkin(i).address))
    expect(writes.map((write) => write.size)).toEqual([1, 4])
    expect((writes[0]?.at ?? 0) - started).toBeLessThan(40)
    expect((writes[1]?.at ?? 0) - (writes[0]?.at ?? 0)).toBeGreaterThanOrEqual(45)
    await writer.close()
  })

  test('writes a full batch without waiting for the interval, and what is queued when closed', async () => {
    const { repository, writes } = recordingRepository()
    const writer = createCheckinWriter({ repository, logger, writeIntervalMs: 60_000, maxBatch: 3 })
    await writer.write(checkin(0))
    const full = [1, 2, 3].map((i) => writer.write(checkin(i)))
    await Promise.all(full)
    expect(writes.map((write) => write.size)).toEqual([1, 3])
    const queued = writer.write(checkin(4))
    await writer.close()
    expect((await queued)?.address).toBe(checkin(4).address)
    expect(writes.map((write) => write.size)).toEqual([1, 3, 1])
  })

  test('stores only the newest of several check-ins from one operator in a batch', async () => {
    const { repository, writes } = recordingRepository()
    const writer = createCheckinWriter({ repository, logger, writeIntervalMs: 0 })
    const [older, newer] = await Promise.all([
      writer.write(checkin(7, 1_700_000_000)),
      writer.write(checkin(7, 1_700_000_001)),
    ])
    expect(older).toBeUndefined()
    expect(newer?.lastEpoch).toBe(1_700_000_001)
    expect(writes.map((write) => write.size)).toEqual([1])
    await writer.close()
  })
})
