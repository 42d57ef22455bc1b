import { describe, expect, test } from 'vitest'
import { ConfChangeRejectedError } from '../errors.js'
import { TestCluster } from '../sim/testCluster.js'
import { createMessage } from '../types.js'

/** A 3-voter cluster led by 1, with node 4 created empty (it waits to be added). */
function clusterWithSpare(): TestCluster {
  const c = new TestCluster(['1', '2', '3'])
  c.addMember('4')
  c.campaign('1')
  c.propose('1', 'before')
  return c
}

describe('6 Cluster membership changes', () => {
  test('a learner receives the log but neither votes nor counts towards commit', () => {
    const c = clusterWithSpare()
    c.proposeConfChange('1', { type: 'addLearner', nodeId: '4' })
    c.tickAll(3)
    expect(c.appliedTexts('4')).toEqual(['before'])
    expect(c.raw('1').raft.tracker.learners.has('4')).toBe(true)
    // With 2 and 3 gone, leader + learner are not a majority of {1, 2, 3}.
    c.isolate('2')
    c.isolate('3')
    const { index } = c.propose('1', 'needs a voter')
    expect(c.raw('1').raft.log.committed).toBeLessThan(index)
    // A learner never campaigns.
    c.tick('4', 100)
    expect(c.raw('4').raft.role).toBe('follower')
  })

  test('a new server must join as a learner before it can vote', () => {
    const c = clusterWithSpare()
    expect(() => c.proposeConfChange('1', { type: 'addVoter', nodeId: '4' })).toThrow(/must join as a learner/)
  })

  test('a learner that has not caught up is not promoted; once it has, it is', () => {
    const c = new TestCluster(['1', '2', '3'], { learnerPromotionMaxLag: 2 })
    c.addMember('4')
    c.campaign('1')
    c.proposeConfChange('1', { type: 'addLearner', nodeId: '4' })
    c.isolate('4')
    for (let i = 0; i < 5; i++) c.propose('1', `e${i}`)
    expect(() => c.proposeConfChange('1', { type: 'addVoter', nodeId: '4' })).toThrow(ConfChangeRejectedError)
    c.heal()
    c.tickAll(3)
    c.proposeConfChange('1', { type: 'addVoter', nodeId: '4' })
    c.tickAll(2)
    for (const id of ['1', '2', '3', '4']) expect(c.get(id).confState.voters).toEqual(['1', '2', '3', '4'])
    // Four voters: a majority is three.
    c.isolate('2')
    c.isolate('3')
    const { index } = c.propose('1', 'two of four')
    expect(c.raw('1').raft.log.committed).toBeLessThan(index)
  })

  test('only one change may be pending at a time', () => {
    const c = clusterWithSpare()
    c.isolate('2')
    c.isolate('3')
    c.proposeConfChange('1', { type: 'addLearner', nodeId: '4' })
    expect(() => c.proposeConfChange('1', { type: 'removeNode', nodeId: '3' })).toThrow(/not applied yet/)
  })

  test('a new leader accepts no change until the changes in its log are applied', () => {
    const c = new TestCluster(['1', '2', '3'], { preVote: false, checkQuorum: false })
    c.addMember('4')
    c.campaign('1')
    // The change reaches 2 and 3, but 1 never hears back, so it is not committed when 1 is cut off.
    c.filter = (m) => m.type === 'appResp'
    c.raw('1').proposeConfChange({ type: 'addLearner', nodeId: '4', context: new Uint8Array() })
    c.stabilize()
    c.heal()
    c.isolate('1')
    c.raw('2').raft.step(createMessage({ type: 'timeoutNow', from: '1', to: '2', term: c.raw('2').raft.term }))
    c.filter = (m) => m.from === '2' && m.type === 'app'
    c.stabilize()
    expect(c.raw('2').raft.role).toBe('leader')
    expect(() => c.raw('2').proposeConfChange({ type: 'removeNode', nodeId: '3', context: new Uint8Array() })).toThrow(
      /not applied yet/,
    )
    // Once its own entry commits, the earlier change commits and is applied with it: changes are accepted again.
    c.filter = () => false
    c.tickAll(1)
    expect(c.get('2').confState.learners).toEqual(['4'])
    c.proposeConfChange('2', { type: 'removeNode', nodeId: '4' })
    expect(c.get('2').confState.learners).toEqual([])
  })

  test('removing a follower shrinks the majority', () => {
    const c = clusterWithSpare()
    c.proposeConfChange('1', { type: 'removeNode', nodeId: '3' })
    expect(c.get('1').confState.voters).toEqual(['1', '2'])
    c.isolate('3')
    c.propose('1', 'with two')
    expect(c.appliedTexts('2')).toEqual(['before', 'with two'])
  })

  test('a removed leader hands over to a caught-up voter and steps down', () => {
    const c = clusterWithSpare()
    c.proposeConfChange('1', { type: 'removeNode', nodeId: '1' })
    c.tickAll(1)
    expect(c.raw('1').raft.role).toBe('follower')
    const leader = c.leader() as string
    expect(['2', '3']).toContain(leader)
    c.propose(leader, 'after removal')
    expect(c.appliedTexts(leader === '2' ? '3' : '2')).toEqual(['before', 'after removal'])
    // The removed node may not campaign.
    c.tick('1', 100)
    expect(c.raw('1').raft.role).toBe('follower')
  })

  test('the membership survives restarts: it is read back from the log', () => {
    const c = clusterWithSpare()
    c.proposeConfChange('1', { type: 'addLearner', nodeId: '4' })
    c.tickAll(3)
    c.proposeConfChange('1', { type: 'addVoter', nodeId: '4' })
    for (const id of ['1', '2', '3', '4']) c.restart(id)
    c.tickAll(60)
    const leader = c.leader() as string
    expect(c.get(leader).confState.voters).toEqual(['1', '2', '3', '4'])
  })
})
