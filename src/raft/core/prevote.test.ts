import { describe, expect, test } from 'vitest'
import { TestCluster } from '../sim/testCluster.js'
import { createMessage } from '../types.js'

/** Ticks only the given nodes, stabilizing after each round. */
function tickOnly(c: TestCluster, ids: string[], times: number): void {
  for (let i = 0; i < times; i++) {
    for (const id of ids) c.tick(id)
    c.stabilize()
  }
}

describe('9.6 Preventing disruptions (pre-vote)', () => {
  test('a partitioned follower does not raise its term, and rejoins without deposing the leader', () => {
    const c = new TestCluster(['1', '2', '3'], { preVote: true, checkQuorum: false })
    c.campaign('1')
    const term = c.raw('1').raft.term
    c.isolate('3')
    tickOnly(c, ['3'], 200)
    expect(c.raw('3').raft.term).toBe(term)
    expect(c.raw('3').raft.role).toBe('preCandidate')
    c.heal()
    c.tickAll(3)
    expect(c.leader()).toBe('1')
    expect(c.raw('1').raft.term).toBe(term)
    expect(c.raw('3').raft.role).toBe('follower')
  })

  test('without pre-vote the same partition forces an election on rejoin', () => {
    const c = new TestCluster(['1', '2', '3'], { preVote: false, checkQuorum: false })
    c.campaign('1')
    const term = c.raw('1').raft.term
    c.isolate('3')
    tickOnly(c, ['3'], 200)
    expect(c.raw('3').raft.term).toBeGreaterThan(term + 5)
    c.heal()
    c.tickAll(25)
    expect(c.raw('1').raft.term).toBeGreaterThan(term)
  })

  test('a pre-vote for term + 1 is granted to an up-to-date log without the voter changing its term or vote', () => {
    const c = new TestCluster(['1', '2', '3'], { preVote: true, checkQuorum: false })
    c.campaign('1')
    const voter = c.raw('3').raft
    const { term, vote } = voter
    const lastIndex = voter.log.lastIndex()
    voter.step(createMessage({ type: 'preVote', from: '2', to: '3', term: term + 1, index: lastIndex, logTerm: term }))
    expect(voter.msgs.map((m) => [m.type, m.term, m.reject])).toEqual([['preVoteResp', term + 1, false]])
    expect([voter.term, voter.vote]).toEqual([term, vote])
  })
})

describe('6.2 / 4.2.3 Check quorum and leader lease', () => {
  test('a leader that hears from no majority for an election timeout steps down', () => {
    const c = new TestCluster(['1', '2', '3'], { checkQuorum: true })
    c.campaign('1')
    c.isolate('1')
    tickOnly(c, ['1'], 21)
    expect(c.raw('1').raft.role).toBe('follower')
  })

  test('a follower with a live leader ignores a vote request, however high its term', () => {
    const c = new TestCluster(['1', '2', '3'], { checkQuorum: true, preVote: false })
    c.campaign('1')
    const follower = c.raw('2').raft
    const term = follower.term
    follower.step(createMessage({ type: 'vote', from: '3', to: '2', term: 50, index: 100, logTerm: 50 }))
    expect(follower.term).toBe(term)
    expect(follower.msgs).toEqual([])
  })

  test('a vote request flagged as a leadership transfer overrides the lease', () => {
    const c = new TestCluster(['1', '2', '3'], { checkQuorum: true, preVote: false })
    c.campaign('1')
    const follower = c.raw('2').raft
    const term = follower.term + 1
    const index = follower.log.lastIndex()
    const logTerm = follower.log.lastTerm()
    follower.step(createMessage({ type: 'vote', from: '3', to: '2', term, index, logTerm, leaderTransfer: true }))
    expect(follower.term).toBe(term)
    expect(follower.msgs.map((m) => [m.type, m.reject])).toEqual([['voteResp', false]])
  })

  test('a node stuck at a higher term after a partition is brought back by the leader', () => {
    const c = new TestCluster(['1', '2', '3'], { checkQuorum: true, preVote: false })
    c.campaign('1')
    c.isolate('3')
    tickOnly(c, ['3'], 100)
    const stuckTerm = c.raw('3').raft.term
    expect(stuckTerm).toBeGreaterThan(1)
    c.heal()
    c.tickAll(40)
    const leader = c.leader() as string
    expect(leader).toBeDefined()
    for (const id of ['1', '2', '3']) expect(c.raw(id).raft.term).toBe(c.raw(leader).raft.term)
    c.propose(leader, 'after')
    for (const id of ['1', '2', '3']) expect(c.appliedTexts(id)).toEqual(['after'])
  })
})
