import { describe, expect, test } from 'vitest'
import type { PoolOperatorRow } from '../store/index.js'
import { createOperatorListSerializer } from './operatorListJson.js'
import { toOperatorView } from './operatorView.js'

const rules = { pingIntervalMs: 5_000, offlineAfterMs: 600_000 }
const sites = { explorer: 'https://etherscan.io', eigenlayer: 'https://app.eigenlayer.xyz' }

function row(index: number, overrides: Partial<PoolOperatorRow> = {}): PoolOperatorRow {
  const hex = index.toString(16).padStart(40, '0')
  return {
    address: `0x${hex}`,
    operatorId: `0x${hex.padStart(64, '0')}`,
    lastCheckinAt: new Date(1_700_000_000_000 - index * 7_000),
    lastEpoch: 1_700_000_000,
    authenticated: index % 2 === 0,
    peerAddress: '[::1]:50000',
    reportedIp: '',
    version: `v1 "quoted" \\ <b>é</b> ${index}`,
    metricsPort: 9090,
    blockNumber: 2 ** 50 + index,
    eventCount: index,
    supportedChainIds: index % 3 === 0 ? [] : [1, 17000],
    firstSeenAt: new Date(1_600_000_000_000),
    checkinCount: index + 1,
    alertState: 'online',
    alertStateAt: new Date(1_600_000_000_000),
    ...overrides,
  }
}

describe('createOperatorListSerializer', () => {
  test('writes exactly JSON.stringify of the views, for every liveness', () => {
    const serialize = createOperatorListSerializer(rules, sites)
    const rows = Array.from({ length: 200 }, (_, i) => row(i))
    const now = 1_700_000_000_000
    const expected = JSON.stringify({ data: rows.map((r) => toOperatorView(r, now, rules, sites)) })
    expect(serialize(rows, now).toString()).toBe(expected)
    const statuses = new Set(rows.map((r) => toOperatorView(r, now, rules, sites).status))
    expect(statuses).toEqual(new Set(['online', 'stale', 'offline']))
    // Again later: liveness and lastSeen move, the cached halves do not.
    expect(serialize(rows, now + 61_000).toString()).toBe(
      JSON.stringify({ data: rows.map((r) => toOperatorView(r, now + 61_000, rules, sites)) }),
    )
  })

  test('writes an empty list as an empty array', () => {
    expect(createOperatorListSerializer(rules, {})([], 0).toString()).toBe('{"data":[]}')
  })
})
