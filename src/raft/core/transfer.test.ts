import { describe, expect, test } from 'vitest'
import { NotLeaderError, ProposalDroppedError } from '../errors.js'
import { TestCluster } from '../sim/testCluster.js'

describe('3.10 Leadership transfer (thesis)', () => {
  test('a caught-up follower is told to time out now and wins at once', () => {
    const c = new TestCluster(['1', '2', '3'])
    c.campaign('1')
    const term = c.raw('1').raft.term
    c.raw('1').transferLeadership('2')
    c.stabilize()
    expect(c.leader()).toBe('2')
    expect(c.raw('2').raft.term).toBe(term + 1)
  })

  test('a lagging follower first receives the missing entries, then takes over', () => {
    const c = new TestCluster(['1', '2', '3'])
    c.campaign('1')
    c.isolate('3')
    c.propose('1', 'a')
    c.propose('1', 'b')
    c.heal()
    c.filter = (m) => m.type === 'heartbeat'
    c.raw('1').transferLeadership('3')
    c.stabilize()
    expect(c.leader()).toBe('3')
    expect(c.appliedTexts('3')).toEqual(['a', 'b'])
  })

  test('proposals are refused while the transfer is under way, and it is abandoned after an election timeout', () => {
    const c = new TestCluster(['1', '2', '3'])
    c.campaign('1')
    c.isolate('3')
    c.raw('1').transferLeadership('3')
    c.stabilize()
    expect(() => c.raw('1').propose(new Uint8Array([1]))).toThrow(ProposalDroppedError)
    for (let i = 0; i < 10; i++) {
      c.tick('1')
      c.tick('2')
      c.stabilize()
    }
    expect(c.leader()).toBe('1')
    expect(c.raw('1').raft.leadTransferee).toBe('')
    c.propose('1', 'accepted again')
    expect(c.appliedTexts('2')).toEqual(['accepted again'])
  })

  test('only a leader can transfer', () => {
    const c = new TestCluster(['1', '2', '3'])
    c.campaign('1')
    expect(() => c.raw('2').transferLeadership('3')).toThrow(NotLeaderError)
  })
})
