import { describe, expect, test } from 'vitest'
import { createPrng } from '../sim/prng.js'
import { TestCluster } from '../sim/testCluster.js'
import { MemoryStorage } from '../storage/memoryStorage.js'
import { createMessage, type Message } from '../types.js'
import { Raft } from './raft.js'
import type { RaftConfig } from './raftConfig.js'

/** A single core with voters `1..n`, pre-vote off unless asked, so message-level expectations stay literal. */
function newRaft(id: string, voters: string[], options: Partial<RaftConfig> = {}): Raft {
  const storage = new MemoryStorage()
  storage.applySnapshot({
    metadata: { index: 0, term: 0, confState: { voters, learners: [] } },
    data: new Uint8Array(),
  })
  return new Raft({
    id,
    storage,
    electionTick: 10,
    heartbeatTick: 1,
    preVote: false,
    checkQuorum: false,
    random: createPrng(7).next,
    ...options,
  })
}

function take(r: Raft): Message[] {
  const msgs = r.msgs
  r.msgs = []
  return msgs.sort((a, b) => a.to.localeCompare(b.to))
}

describe('5.1 Raft basics', () => {
  test('a server starts as a follower', () => {
    expect(newRaft('1', ['1', '2', '3']).role).toBe('follower')
  })

  test.each(['follower', 'candidate', 'leader'] as const)(
    'a %s that sees a higher term adopts it and follows',
    (role) => {
      const r = newRaft('1', ['1', '2', '3'])
      if (role === 'follower') r.becomeFollower(1, '2')
      if (role !== 'follower') r.becomeCandidate()
      if (role === 'leader') r.becomeLeader()
      r.step(createMessage({ type: 'app', from: '2', to: '1', term: 2 }))
      expect(r.term).toBe(2)
      expect(r.role).toBe('follower')
    },
  )

  test('a request with a stale term is ignored', () => {
    const r = newRaft('1', ['1', '2', '3'])
    r.becomeFollower(2, '2')
    r.step(createMessage({ type: 'app', from: '3', to: '1', term: 1, commit: 5 }))
    expect(r.term).toBe(2)
    expect(r.lead).toBe('2')
    expect(take(r)).toEqual([])
  })

  test('a stale leader is told the newer term when check-quorum is on, and steps down', () => {
    const c = new TestCluster(['1', '2', '3'], { checkQuorum: true, preVote: true })
    c.campaign('1')
    expect(c.leader()).toBe('1')
    c.isolate('1')
    // Only 2 and 3 see time pass, so their lease on leader 1 expires and one of them takes over.
    for (let i = 0; i < 40; i++) {
      c.tick('2')
      c.tick('3')
      c.stabilize()
    }
    const newLeader = c.raw('2').raft.role === 'leader' ? '2' : '3'
    expect(c.raw(newLeader).raft.role).toBe('leader')
    expect(c.raw('1').raft.role).toBe('leader')
    c.heal()
    // Leader 1 still believes in term 1; its heartbeat is answered with term 2.
    c.tick('1', 1)
    c.stabilize()
    expect(c.raw('1').raft.role).toBe('follower')
    expect(c.raw('1').raft.term).toBe(c.raw(newLeader).raft.term)
  })
})

describe('5.2 Leader election', () => {
  test('a follower that hears nothing for an election timeout becomes a candidate and requests votes', () => {
    const r = newRaft('1', ['1', '2', '3'])
    // 2 × electionTick − 1 ticks: past any first timeout, short of any second one.
    for (let i = 0; i < 19; i++) r.tick()
    expect(r.role).toBe('candidate')
    expect(r.term).toBe(1)
    expect(r.vote).toBe('1')
    const msgs = take(r)
    expect(msgs.map((m) => [m.type, m.to, m.term])).toEqual([
      ['vote', '2', 1],
      ['vote', '3', 1],
    ])
  })

  test('a candidate that neither wins nor loses starts a new election after another timeout', () => {
    const r = newRaft('1', ['1', '2', '3'])
    r.becomeCandidate()
    for (let i = 0; i < 19; i++) r.tick()
    expect(r.role).toBe('candidate')
    expect(r.term).toBe(2)
  })

  test('election timeouts are randomized over [electionTick, 2 × electionTick)', () => {
    const r = newRaft('1', ['1', '2', '3'])
    const seen = new Set<number>()
    for (let round = 0; round < 500; round++) {
      r.becomeFollower(r.term + 1, '2')
      let ticks = 0
      while (r.msgs.length === 0) {
        r.tick()
        ticks++
      }
      r.msgs = []
      seen.add(ticks)
    }
    expect([...seen].sort((a, b) => a - b)).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19])
  })

  test.each([
    { size: 1, votes: {}, role: 'leader' },
    { size: 3, votes: { 2: true }, role: 'leader' },
    { size: 3, votes: { 2: true, 3: true }, role: 'leader' },
    { size: 5, votes: { 2: true, 3: true }, role: 'leader' },
    { size: 3, votes: { 2: false, 3: false }, role: 'follower' },
    { size: 5, votes: { 2: true, 3: false, 4: false, 5: false }, role: 'follower' },
    { size: 3, votes: {}, role: 'candidate' },
    { size: 5, votes: { 2: true, 3: false }, role: 'candidate' },
  ])('one round of RequestVote with $size servers and votes $votes ends as $role', ({ size, votes, role }) => {
    const ids = Array.from({ length: size }, (_, i) => String(i + 1))
    const r = newRaft('1', ids)
    r.hup(false)
    for (const [from, granted] of Object.entries(votes)) {
      r.step(createMessage({ type: 'voteResp', from, to: '1', term: r.term, reject: !granted }))
    }
    expect(r.role).toBe(role)
    expect(r.term).toBe(1)
  })

  test.each([
    { vote: '', candidate: '2', reject: false },
    { vote: '2', candidate: '2', reject: false },
    { vote: '3', candidate: '2', reject: true },
  ])(
    'a follower that voted for "$vote" answers candidate $candidate with reject=$reject (first come, first served)',
    ({ vote, candidate, reject }) => {
      const storage = new MemoryStorage()
      storage.applySnapshot({
        metadata: { index: 0, term: 0, confState: { voters: ['1', '2', '3'], learners: [] } },
        data: new Uint8Array(),
      })
      storage.setHardState({ term: 1, vote, commit: 0 })
      const r = new Raft({ id: '1', storage, electionTick: 10, heartbeatTick: 1, preVote: false })
      r.step(createMessage({ type: 'vote', from: candidate, to: '1', term: 1 }))
      expect(take(r).map((m) => [m.type, m.to, m.reject])).toEqual([['voteResp', candidate, reject]])
    },
  )

  test('a candidate that hears from a leader of its term becomes its follower', () => {
    const r = newRaft('1', ['1', '2', '3'])
    r.hup(false)
    r.step(createMessage({ type: 'app', from: '2', to: '1', term: 1 }))
    expect(r.role).toBe('follower')
    expect(r.lead).toBe('2')
  })

  test('a leader sends heartbeats to every follower each heartbeat interval', () => {
    const r = newRaft('1', ['1', '2', '3'])
    r.becomeCandidate()
    r.becomeLeader()
    take(r)
    r.tick()
    expect(take(r).map((m) => [m.type, m.to])).toEqual([
      ['heartbeat', '2'],
      ['heartbeat', '3'],
    ])
  })

  test('a cluster elects one leader and elects another when it is cut off', () => {
    const c = new TestCluster(['1', '2', '3', '4', '5'], { seed: 7 })
    c.tickAll(40)
    const first = c.leader()
    expect(first).toBeDefined()
    const leaders = [...c.members.values()].filter((m) => m.raw.raft.role === 'leader')
    expect(leaders).toHaveLength(1)
    c.isolate(first as string)
    c.tickAll(60)
    const others = [...c.members.values()].filter((m) => m.id !== first && m.raw.raft.role === 'leader')
    expect(others).toHaveLength(1)
    expect(others[0]?.raw.raft.term).toBeGreaterThan(c.raw(first as string).raft.term)
  })
})
