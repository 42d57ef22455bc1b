import { describe, expect, test } from 'vitest'
import { TestCluster } from '../sim/testCluster.js'
import type { Entry } from '../types.js'

/** Entries numbered from 1 with the given terms. */
function logOf(terms: number[]): Entry[] {
  return terms.map((term, i) => ({
    term,
    index: i + 1,
    type: 'normal',
    data: new TextEncoder().encode(`${i + 1}@${term}`),
  }))
}

/** Replaces a member's stored log, then restarts it from that storage. */
function seed(c: TestCluster, id: string, terms: number[], term = Math.max(...terms)): void {
  c.replaceLog(id, { voters: ['1', '2'], learners: [] }, logOf(terms), { term, vote: '', commit: 0 })
}

function terms(c: TestCluster, id: string): number[] {
  const raft = c.raw(id).raft
  return raft.log.slice(1, raft.log.lastIndex() + 1, Number.POSITIVE_INFINITY).map((e) => e.term)
}

describe('5.3 Log replication', () => {
  test('the leader appends a proposal, replicates it, commits it once a majority stores it, and all apply it', () => {
    const c = new TestCluster(['1', '2', '3'])
    c.campaign('1')
    c.propose('1', 'x')
    const lastIndex = c.raw('1').raft.log.lastIndex()
    for (const id of ['1', '2', '3']) {
      expect(c.appliedTexts(id)).toEqual(['x'])
      expect(c.raw(id).raft.log.committed).toBe(lastIndex)
    }
  })

  test('an entry commits with a majority of five and not with a minority', () => {
    const c = new TestCluster(['1', '2', '3', '4', '5'])
    c.campaign('1')
    c.isolate('4')
    c.isolate('5')
    c.propose('1', 'majority')
    expect(c.appliedTexts('1')).toEqual(['majority'])
    c.isolate('3')
    const { index } = c.propose('1', 'minority')
    expect(c.raw('1').raft.log.committed).toBe(index - 1)
    expect(c.appliedTexts('1')).toEqual(['majority'])
  })

  // Figure 7: followers (a)-(f) of the leader of term 8, whose log has terms 1 1 1 4 4 5 5 6 6 6.
  const leaderLog = [1, 1, 1, 4, 4, 5, 5, 6, 6, 6]
  test.each([
    { name: 'a', follower: [1, 1, 1, 4, 4, 5, 5, 6, 6], maxRejects: 1 },
    { name: 'b', follower: [1, 1, 1, 4], maxRejects: 1 },
    { name: 'c', follower: [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6], maxRejects: 0 },
    { name: 'd', follower: [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7], maxRejects: 1 },
    { name: 'e', follower: [1, 1, 1, 4, 4, 4, 4], maxRejects: 2 },
    { name: 'f', follower: [1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3], maxRejects: 2 },
  ])(
    'Figure 7 ($name): the follower ends with the leader log, backing up by whole terms',
    ({ follower, maxRejects }) => {
      const c = new TestCluster(['1', '2'], { checkQuorum: false })
      seed(c, '1', leaderLog, 7)
      seed(c, '2', follower)
      let rejects = 0
      c.filter = (m) => {
        if (m.type === 'appResp' && m.reject) rejects++
        return false
      }
      const raft = c.raw('1').raft
      raft.becomeCandidate()
      raft.becomeLeader()
      raft.bcastAppend()
      c.stabilize()
      expect(raft.term).toBe(8)
      expect(terms(c, '2')).toEqual([...leaderLog, 8])
      expect(rejects).toBeLessThanOrEqual(maxRejects)
      expect(c.raw('2').raft.log.committed).toBe(11)
    },
  )

  test('the leader pipelines at most maxInflightMsgs unacknowledged AppendEntries to a follower', () => {
    const c = new TestCluster(['1', '2'], { maxInflightMsgs: 2, checkQuorum: false })
    c.campaign('1')
    const leader = c.raw('1')
    const sent: number[] = []
    // Follower 2 never answers: every AppendEntries stays unacknowledged.
    c.filter = (m) => {
      if (m.type === 'app' && m.entries.length > 0) sent.push(m.entries.length)
      return true
    }
    for (let i = 0; i < 5; i++) {
      leader.propose(new TextEncoder().encode(`p${i}`))
      c.stabilize()
    }
    expect(sent).toHaveLength(2)
    expect(leader.raft.tracker.progress.get('2')?.inflights.full()).toBe(true)
  })

  test('a follower that lost its unacknowledged suffix to a new leader applies the new entries, not the old', () => {
    const c = new TestCluster(['1', '2', '3'])
    c.campaign('1')
    c.propose('1', 'committed')
    c.isolate('1')
    c.raw('1').propose(new TextEncoder().encode('lost'))
    c.stabilize()
    c.heal()
    c.isolate('1')
    c.tickAll(30)
    const leader = c.leader() as string
    expect(['2', '3']).toContain(leader)
    c.propose(leader, 'replaced')
    c.heal()
    c.tickAll(5)
    for (const id of ['1', '2', '3']) expect(c.appliedTexts(id)).toEqual(['committed', 'replaced'])
  })
})
