import { describe, expect, test } from 'vitest'
import { TestCluster } from '../sim/testCluster.js'
import { createMessage } from '../types.js'

describe('7 Log compaction', () => {
  test('a follower behind the compacted log receives the snapshot, then the entries after it', () => {
    const c = new TestCluster(['1', '2', '3'])
    c.campaign('1')
    c.isolate('3')
    for (let i = 0; i < 10; i++) c.propose('1', `e${i}`)
    c.snapshotAndCompact('1')
    const firstIndex = c.raw('1').raft.log.lastIndex() + 1
    expect(c.raw('1').raft.log.firstIndex()).toBe(firstIndex)
    c.propose('1', 'after snapshot')
    c.heal()
    let snapshots = 0
    c.filter = (m) => {
      if (m.type === 'snap') snapshots++
      return false
    }
    c.tickAll(3)
    expect(snapshots).toBe(1)
    expect(c.appliedTexts('3')).toEqual([...Array.from({ length: 10 }, (_, i) => `e${i}`), 'after snapshot'])
    expect(c.raw('3').raft.log.firstIndex()).toBe(firstIndex)
  })

  test('a stale snapshot is ignored and a snapshot the log already matches only advances commit', () => {
    const c = new TestCluster(['1', '2'], { checkQuorum: false })
    c.campaign('1')
    c.propose('1', 'a')
    const { index: b } = c.propose('1', 'b')
    const follower = c.raw('2').raft
    const snapshotAt = (index: number, term: number) =>
      createMessage({
        type: 'snap',
        from: '1',
        to: '2',
        term: follower.term,
        snapshot: {
          metadata: { index, term, confState: { voters: ['1', '2'], learners: [] } },
          data: new Uint8Array(),
        },
      })
    const term = follower.term
    follower.step(snapshotAt(b - 1, term))
    expect(follower.msgs.at(-1)).toMatchObject({ type: 'appResp', index: b, reject: false })
    expect(follower.log.hasPendingSnapshot()).toBe(false)
    // Entries c and d reach 2 uncommitted; a snapshot at c that matches keeps d and commits c.
    c.isolate('2')
    const { index: cIndex } = c.raw('1').propose(new TextEncoder().encode('c'))
    c.raw('1').propose(new TextEncoder().encode('d'))
    c.stabilize()
    const entries = c.raw('1').raft.log.entries(cIndex, 1e9)
    follower.step(createMessage({ type: 'app', from: '1', to: '2', term, index: b, logTerm: term, commit: b, entries }))
    follower.step(snapshotAt(cIndex, term))
    expect(follower.log.committed).toBe(cIndex)
    expect(follower.log.lastIndex()).toBe(cIndex + 1)
    expect(follower.log.hasPendingSnapshot()).toBe(false)
  })

  test('a restarted node resumes from its snapshot and the log after it', () => {
    const c = new TestCluster(['1', '2', '3'])
    c.campaign('1')
    for (let i = 0; i < 5; i++) c.propose('1', `e${i}`)
    c.snapshotAndCompact('2', 3)
    c.propose('1', 'later')
    c.restart('2')
    c.tickAll(25)
    expect(c.appliedTexts('2')).toEqual(['e0', 'e1', 'e2', 'e3', 'e4', 'later'])
  })
})
