import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, test } from 'vitest'
import { NotLeaderError } from '../errors.js'
import type { NodeId, Snapshot } from '../types.js'
import { MemoryTransportHub } from './memoryTransport.js'
import { createRaftNode, type RaftNode } from './raftNode.js'
import type { RaftStateMachine } from './raftNodeTypes.js'

/** A state machine that keeps the applied payloads as text. */
class TextLog implements RaftStateMachine {
  texts: string[] = []
  apply(entries: readonly { data: Uint8Array }[]): void {
    for (const e of entries) this.texts.push(new TextDecoder().decode(e.data))
  }
  snapshot(): Uint8Array {
    return new TextEncoder().encode(JSON.stringify(this.texts))
  }
  restore(snapshot: Snapshot): void {
    this.texts = JSON.parse(new TextDecoder().decode(snapshot.data)) as string[]
  }
}

type Member = { node: RaftNode; state: TextLog; dir: string }

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function startMember(
  hub: MemoryTransportHub,
  id: NodeId,
  dir: string,
  bootstrap: NodeId[] | undefined,
  extra: { snapshotEntries?: number; snapshotCatchUpEntries?: number } = {},
): Promise<Member> {
  const state = new TextLog()
  const node = await createRaftNode({
    id,
    dataDir: dir,
    transport: hub.transport(id),
    stateMachine: state,
    bootstrap: bootstrap?.map((m) => ({ id: m })),
    tickMs: 10,
    ...extra,
  })
  await node.start()
  cleanups.push(() => node.stop())
  return { node, state, dir }
}

async function startCluster(ids: NodeId[], extra = {}) {
  const hub = new MemoryTransportHub()
  const base = mkdtempSync(join(tmpdir(), 'avskit-raftnode-'))
  cleanups.push(() => rmSync(base, { recursive: true, force: true }))
  const members = new Map<NodeId, Member>()
  for (const id of ids) members.set(id, await startMember(hub, id, join(base, id), ids, extra))
  return { hub, base, members }
}

async function leaderOf(members: Map<NodeId, Member>, except?: NodeId): Promise<Member> {
  for (let i = 0; i < 400; i++) {
    for (const [id, m] of members) if (id !== except && m.node.isLeader()) return m
    await new Promise((r) => setTimeout(r, 10))
  }
  throw new Error('no leader')
}

async function eventually(check: () => boolean, what: string, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

const text = (s: string) => new TextEncoder().encode(s)

describe('RaftNode', () => {
  test('5.2 / 5.3: a three-node cluster elects a leader and every node applies what it commits', async () => {
    const { members } = await startCluster(['a', 'b', 'c'])
    const leader = await leaderOf(members)
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => leader.node.propose(text(`x${i}`))))
    expect(new Set(results.map((r) => r.index)).size).toBe(50)
    const expected = Array.from({ length: 50 }, (_, i) => `x${i}`)
    for (const m of members.values()) await eventually(() => m.state.texts.length === 50, 'replication')
    for (const m of members.values()) expect(m.state.texts).toEqual(expected)
  })

  test('a follower refuses a proposal and names the leader', async () => {
    const { members } = await startCluster(['a', 'b', 'c'])
    const leader = await leaderOf(members)
    const follower = [...members.values()].find((m) => m !== leader) as Member
    await eventually(() => follower.node.leaderId() === leader.node.id, 'follower knows the leader')
    const error = await follower.node.propose(text('nope')).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(NotLeaderError)
    expect((error as NotLeaderError).leaderId).toBe(leader.node.id)
  })

  test('Figure 2 persistence: a stopped node restarts from its WAL and catches up', async () => {
    const { hub, members } = await startCluster(['a', 'b', 'c'])
    const leader = await leaderOf(members)
    await leader.node.propose(text('before'))
    const follower = [...members.values()].find((m) => m !== leader) as Member
    await eventually(() => follower.state.texts.length === 1, 'follower applied')
    await follower.node.stop()
    await leader.node.propose(text('while down'))
    const restarted = await startMember(hub, follower.node.id, follower.dir, undefined)
    await eventually(() => restarted.state.texts.length === 2, 'restarted node caught up')
    expect(restarted.state.texts).toEqual(['before', 'while down'])
  })

  test('5.2: when the leader stops, another is elected and no acknowledged entry is lost', async () => {
    const { members } = await startCluster(['a', 'b', 'c'])
    const leader = await leaderOf(members)
    const acked = await Promise.all(Array.from({ length: 20 }, (_, i) => leader.node.propose(text(`e${i}`))))
    expect(acked).toHaveLength(20)
    const stoppedAt = Date.now()
    await leader.node.stop()
    members.delete(leader.node.id)
    const next = await leaderOf(members)
    expect(Date.now() - stoppedAt).toBeLessThan(1_500)
    await next.node.propose(text('after'))
    for (const m of members.values()) await eventually(() => m.state.texts.length === 21, 'all applied')
    for (const m of members.values()) expect(m.state.texts.slice(0, 20)).toEqual(acked.map((_, i) => `e${i}`))
  })

  test('7: a node that missed compacted entries is sent the snapshot and resumes from it', async () => {
    const { hub, members } = await startCluster(['a', 'b', 'c'], { snapshotEntries: 20, snapshotCatchUpEntries: 5 })
    const leader = await leaderOf(members)
    const lagging = [...members.values()].find((m) => m !== leader) as Member
    hub.disconnect(lagging.node.id)
    for (let i = 0; i < 60; i++) await leader.node.propose(text(`s${i}`))
    expect(leader.node.status().firstIndex).toBeGreaterThan(30)
    hub.reconnect(lagging.node.id)
    await eventually(() => lagging.state.texts.length === 60, 'lagging node restored the snapshot')
    expect(lagging.state.texts).toEqual(Array.from({ length: 60 }, (_, i) => `s${i}`))
  })

  test('6: a new server joins as a learner, catches up, and becomes a voter', async () => {
    const { hub, base, members } = await startCluster(['a', 'b', 'c'])
    const leader = await leaderOf(members)
    for (let i = 0; i < 30; i++) await leader.node.propose(text(`j${i}`))
    const joiner = await startMember(hub, 'd', join(base, 'd'), undefined)
    const conf = await leader.node.addMember('d')
    expect(conf.voters).toEqual(['a', 'b', 'c', 'd'])
    await eventually(() => joiner.state.texts.length === 30, 'joiner applied the log')
    await eventually(() => joiner.node.status().confState.voters.length === 4, 'joiner applied its promotion')
  })

  test('3.10 (thesis): leadership moves to the chosen follower', async () => {
    const { members } = await startCluster(['a', 'b', 'c'])
    const leader = await leaderOf(members)
    const target = [...members.keys()].find((id) => id !== leader.node.id) as NodeId
    await eventually(() => (members.get(target)?.node.leaderId() ?? '') === leader.node.id, 'target follows')
    await leader.node.transferLeadership(target)
    await eventually(() => members.get(target)?.node.isLeader() === true, 'target leads')
    await members.get(target)?.node.propose(text('from the new leader'))
  })
})
