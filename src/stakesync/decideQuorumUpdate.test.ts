import { describe, expect, test } from 'vitest'
import { decideQuorumUpdate } from './decideQuorumUpdate.js'
import type { QuorumStakes } from './readQuorumStakes.js'

function quorum(stakes: [recorded: bigint, current: bigint][]): QuorumStakes {
  return {
    quorumNumber: 0,
    blockNumber: 100n,
    minimumStake: 1n,
    lastFullUpdateBlock: 90n,
    operators: stakes.map(([recorded, current], i) => ({
      address: `0x${String(i + 1).padStart(40, '0')}`,
      operatorId: `0x${String(i + 1).padStart(64, '0')}`,
      recorded,
      current,
    })),
  }
}

const hour = 3_600_000

describe('decideQuorumUpdate', () => {
  test('sends when a recorded stake differs from what an update records', () => {
    expect(
      decideQuorumUpdate(
        quorum([
          [5n, 5n],
          [5n, 7n],
        ]),
        { force: false, syncIntervalMs: 0 },
        hour,
      ),
    ).toEqual({
      send: true,
      reason: { kind: 'changed', changed: 1, operators: 2 },
    })
    // Dropping below the minimum records 0: a change too.
    expect(decideQuorumUpdate(quorum([[5n, 0n]]), { force: false, syncIntervalMs: 0 }, hour).send).toBe(true)
  })

  test('skips an unchanged quorum unless forced', () => {
    const unchanged = quorum([
      [5n, 5n],
      [6n, 6n],
    ])
    expect(decideQuorumUpdate(unchanged, { force: false, syncIntervalMs: 0 }, hour)).toEqual({
      send: false,
      reason: { kind: 'unchanged', operators: 2 },
    })
    expect(decideQuorumUpdate(unchanged, { force: true, syncIntervalMs: 0 }, hour).reason.kind).toBe('forced')
  })

  test('refreshes an unchanged quorum that would pass --max-staleness before the next round', () => {
    const unchanged = quorum([[5n, 5n]])
    const policy = { force: false, maxStalenessMs: 24 * hour, syncIntervalMs: 6 * hour }
    expect(decideQuorumUpdate(unchanged, policy, 17 * hour).send).toBe(false)
    expect(decideQuorumUpdate(unchanged, policy, 18 * hour)).toEqual({
      send: true,
      reason: { kind: 'stale', ageMs: 18 * hour, maxStalenessMs: 24 * hour, operators: 1 },
    })
    // Never updated in full.
    expect(decideQuorumUpdate(unchanged, policy, undefined).reason).toMatchObject({ kind: 'stale', ageMs: undefined })
  })
})
