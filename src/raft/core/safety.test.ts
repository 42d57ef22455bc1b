import { describe, expect, test } from 'vitest'
import { TestCluster } from '../sim/testCluster.js'
import { MemoryStorage } from '../storage/memoryStorage.js'
import { createMessage } from '../types.js'
import { Raft } from './raft.js'

describe('5.4.1 Election restriction', () => {
  test.each([
    { lastIndex: 2, lastTerm: 2, granted: false, why: 'an older last term' },
    { lastIndex: 2, lastTerm: 3, granted: false, why: 'the same last term and a shorter log' },
    { lastIndex: 3, lastTerm: 3, granted: true, why: 'the same last term and an equal log' },
    { lastIndex: 2, lastTerm: 4, granted: true, why: 'a newer last term, though shorter' },
  ])('a vote for a log with $why is granted=$granted', ({ lastIndex, lastTerm, granted }) => {
    const c = new TestCluster(['1', '2', '3'], { preVote: false, checkQuorum: false })
    c.replaceLog(
      '1',
      { voters: ['1', '2', '3'], learners: [] },
      [
        { term: 2, index: 1, type: 'normal', data: new Uint8Array() },
        { term: 3, index: 2, type: 'normal', data: new Uint8Array() },
        { term: 3, index: 3, type: 'normal', data: new Uint8Array() },
      ],
      { term: 3, vote: '', commit: 0 },
    )
    const raft = c.raw('1').raft
    raft.step(createMessage({ type: 'vote', from: '2', to: '1', term: 4, index: lastIndex, logTerm: lastTerm }))
    expect(raft.msgs.map((m) => [m.type, m.reject])).toEqual([['voteResp', !granted]])
  })

  test('a node missing a committed entry cannot become leader', () => {
    const c = new TestCluster(['1', '2', '3'], { preVote: false, checkQuorum: false })
    c.campaign('1')
    c.isolate('3')
    c.propose('1', 'committed on 1 and 2')
    c.heal()
    c.isolate('1')
    c.raw('3').campaign()
    c.stabilize()
    expect(c.raw('3').raft.role).not.toBe('leader')
    for (let i = 0; i < 50; i++) {
      c.tick('2')
      c.tick('3')
      c.stabilize()
    }
    expect(c.raw('2').raft.role).toBe('leader')
    expect(c.raw('3').raft.lead).toBe('2')
  })

  test('with the restriction disabled (test-only knob), a stale node wins and commits over a committed entry', () => {
    const c = new TestCluster(['1', '2', '3'], { preVote: false, checkQuorum: false, unsafeSkipVoteLogCheck: true })
    c.campaign('1')
    c.isolate('3')
    const { index } = c.propose('1', 'committed')
    c.heal()
    c.isolate('1')
    c.raw('3').campaign()
    c.stabilize()
    expect(c.raw('3').raft.role).toBe('leader')
    expect(c.appliedTexts('2')).toEqual(['committed'])
    // 3 commits its own entry at the index where 2 already applied a different one: state machines diverge.
    expect(c.raw('3').raft.log.committed).toBe(index)
    expect(c.raw('3').raft.log.term(index)).not.toBe(c.raw('2').raft.log.term(index))
    expect(c.appliedTexts('3')).toEqual([])
  })
})

describe('5.4.2 Committing entries from previous terms', () => {
  test('a leader does not commit an entry of an earlier term by counting replicas (Figure 8)', () => {
    const voters = ['1', '2', '3', '4', '5']
    const storage = new MemoryStorage()
    storage.applySnapshot({
      metadata: { index: 0, term: 0, confState: { voters, learners: [] } },
      data: new Uint8Array(),
    })
    // Like S1 in Figure 8 (c): entry 2 is from term 2, the node now leads term 4.
    storage.append([
      { term: 1, index: 1, type: 'normal', data: new Uint8Array() },
      { term: 2, index: 2, type: 'normal', data: new Uint8Array() },
    ])
    storage.setHardState({ term: 3, vote: '', commit: 1 })
    const r = new Raft({ id: '1', storage, electionTick: 10, heartbeatTick: 1, preVote: false })
    r.becomeCandidate()
    r.becomeLeader()
    expect(r.term).toBe(4)
    const ack = (from: string, index: number) =>
      r.step(createMessage({ type: 'appResp', from, to: '1', term: 4, index }))
    // Entry 2 reaches a majority (1, 2, 3): it must not commit, its term is 2.
    ack('2', 2)
    ack('3', 2)
    expect(r.log.committed).toBe(1)
    ack('2', 3)
    expect(r.log.committed).toBe(1)
    // The term-4 entry reaching a majority commits it and, with it, entry 2 (Log Matching).
    ack('3', 3)
    expect(r.log.committed).toBe(3)
  })

  test('a new leader commits the entries of earlier terms by committing its own empty entry', () => {
    const c = new TestCluster(['1', '2', '3'])
    c.campaign('1')
    const committedBefore = c.raw('1').raft.log.committed
    // The entry reaches 2 but the acknowledgement is lost: not committed.
    c.filter = (m) => (m.type === 'app' && m.entries.length > 0 && m.to === '3') || m.type === 'appResp'
    c.raw('1').propose(new TextEncoder().encode('old'))
    c.stabilize()
    expect(c.raw('1').raft.log.committed).toBe(committedBefore)
    c.heal()
    c.isolate('1')
    c.tickAll(30)
    expect(c.leader()).toBe('2')
    expect(c.appliedTexts('2')).toEqual(['old'])
    expect(c.appliedTexts('3')).toEqual(['old'])
  })
})
