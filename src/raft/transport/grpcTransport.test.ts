import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as grpc from '@grpc/grpc-js'
import fc from 'fast-check'
import { afterEach, describe, expect, test } from 'vitest'
import { createMetrics } from '../../core/metrics.js'
import { RaftTransportService } from '../../gen/raft.js'
import { createRaftNode, type RaftNode } from '../node/raftNode.js'
import type { RaftTransportHandler } from '../node/raftNodeTypes.js'
import { createMessage, type Message, messageTypes, type NodeId } from '../types.js'
import { createSharedSecretAuthenticator, type RaftAuthenticator, unauthenticatedPeers } from './authenticator.js'
import { createGrpcTransport, type GrpcTransport } from './grpcTransport.js'
import { decodeMessageBatch, encodeMessageBatch } from './messageCodec.js'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** A handler that records what arrives and what the transport reports. */
function recorder() {
  const received: Message[] = []
  const unreachable: NodeId[] = []
  const snapshots: [NodeId, boolean][] = []
  const handler: RaftTransportHandler = {
    receive: (messages) => received.push(...messages),
    reportUnreachable: (peer) => unreachable.push(peer),
    reportSnapshot: (peer, ok) => snapshots.push([peer, ok]),
  }
  return { handler, received, unreachable, snapshots }
}

async function started(transport: GrpcTransport, handler: RaftTransportHandler): Promise<GrpcTransport> {
  await transport.start(handler)
  cleanups.push(() => transport.stop())
  return transport
}

async function eventually(check: () => boolean, what: string, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

const heartbeat = (from: NodeId, to: NodeId, term = 1) =>
  createMessage({ type: 'heartbeat', from, to, term, commit: 3 })

const arbitraryMessage = fc.record({
  type: fc.constantFrom(...messageTypes),
  from: fc.string({ maxLength: 8 }),
  to: fc.string({ maxLength: 8 }),
  term: fc.nat(),
  logTerm: fc.nat(),
  index: fc.nat(),
  entries: fc.array(
    fc.record({
      term: fc.nat(),
      index: fc.nat(),
      type: fc.constantFrom('normal' as const, 'confChange' as const),
      data: fc.uint8Array({ maxLength: 32 }),
    }),
    { maxLength: 4 },
  ),
  commit: fc.nat(),
  reject: fc.boolean(),
  rejectHint: fc.nat(),
  leaderTransfer: fc.boolean(),
  snapshot: fc.option(
    fc.record({
      metadata: fc.record({
        index: fc.nat(),
        term: fc.nat(),
        confState: fc.record({
          voters: fc.array(fc.string({ maxLength: 4 })),
          learners: fc.array(fc.string({ maxLength: 4 })),
        }),
      }),
      data: fc.uint8Array({ maxLength: 32 }),
    }),
    { nil: undefined },
  ),
})

describe('raft message codec', () => {
  test('round-trips every message through proto/raft.proto', () => {
    fc.assert(
      fc.property(fc.array(arbitraryMessage, { maxLength: 5 }), fc.nat(), (messages, sequence) => {
        const valid = messages.filter((m) => m.type !== 'snap' || m.snapshot)
        const decoded = decodeMessageBatch(encodeMessageBatch({ from: 'a', to: 'b', sequence, messages: valid }))
        expect(decoded).toEqual({ from: 'a', to: 'b', sequence, messages: valid })
      }),
    )
  })

  test('refuses bytes that are not a batch', () => {
    expect(() => decodeMessageBatch(new Uint8Array([0xff, 0xff, 0xff]))).toThrow(/invalid raft message batch/)
  })
})

describe('gRPC transport', () => {
  test('delivers batches in order between two peers', async () => {
    const a = recorder()
    const b = recorder()
    const tb = await started(
      createGrpcTransport({ id: 'b', listen: '127.0.0.1:0', authenticator: unauthenticatedPeers }),
      b.handler,
    )
    const ta = await started(
      createGrpcTransport({
        id: 'a',
        listen: '127.0.0.1:0',
        authenticator: unauthenticatedPeers,
        peers: { b: tb.address() as string },
      }),
      a.handler,
    )
    for (let i = 1; i <= 300; i++) ta.send([heartbeat('a', 'b', i)])
    await eventually(() => b.received.length === 300, 'all messages')
    expect(b.received.map((m) => m.term)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1))
    expect(a.unreachable).toEqual([])
  })

  test('an asynchronous authenticator still sees batches in order', async () => {
    let calls = 0
    const slow: RaftAuthenticator = {
      sign: async () => new Uint8Array([1]),
      verify: (_peer, _payload, credentials) =>
        new Promise((resolve) => setTimeout(() => resolve(credentials[0] === 1), calls++ % 3)),
    }
    const b = recorder()
    const tb = await started(createGrpcTransport({ id: 'b', listen: '127.0.0.1:0', authenticator: slow }), b.handler)
    const a = recorder()
    const ta = await started(
      createGrpcTransport({ id: 'a', authenticator: slow, peers: { b: tb.address() as string }, maxBatchMessages: 1 }),
      a.handler,
    )
    for (let i = 1; i <= 100; i++) ta.send([heartbeat('a', 'b', i)])
    await eventually(() => b.received.length === 100, 'all messages')
    expect(b.received.map((m) => m.term)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1))
  })

  test('a peer without valid credentials is refused and nothing it sent is delivered', async () => {
    const metrics = createMetrics({ defaultMetrics: false })
    const b = recorder()
    const tb = await started(
      createGrpcTransport({
        id: 'b',
        listen: '127.0.0.1:0',
        authenticator: createSharedSecretAuthenticator('b', new TextEncoder().encode('cluster secret')),
        metrics,
      }),
      b.handler,
    )
    const intruder = recorder()
    const ti = await started(
      createGrpcTransport({
        id: 'a',
        authenticator: createSharedSecretAuthenticator('a', new TextEncoder().encode('guessed secret')),
        peers: { b: tb.address() as string },
      }),
      intruder.handler,
    )
    ti.send([heartbeat('a', 'b')])
    await eventually(() => intruder.unreachable.length > 0, 'intruder reported unreachable')
    expect(b.received).toEqual([])
    const rejected = await metrics.raft.rejectedRequestsTotal.get()
    expect(rejected.values).toContainEqual(
      expect.objectContaining({ labels: { node: 'b', reason: 'unauthenticated' }, value: 1 }),
    )
  })

  test('a member cannot send messages in another member’s name', async () => {
    const secret = new TextEncoder().encode('shared')
    const b = recorder()
    const tb = await started(
      createGrpcTransport({
        id: 'b',
        listen: '127.0.0.1:0',
        authenticator: createSharedSecretAuthenticator('b', secret),
      }),
      b.handler,
    )
    const c = recorder()
    const tc = await started(
      createGrpcTransport({
        id: 'c',
        authenticator: createSharedSecretAuthenticator('c', secret),
        peers: { b: tb.address() as string },
      }),
      c.handler,
    )
    tc.send([heartbeat('a', 'b')])
    await eventually(() => c.unreachable.length > 0, 'impostor refused')
    expect(b.received).toEqual([])
  })

  test('reconnects to a peer that restarts on the same address', async () => {
    const b = recorder()
    const tb1 = createGrpcTransport({ id: 'b', listen: '127.0.0.1:0', authenticator: unauthenticatedPeers })
    await tb1.start(b.handler)
    const address = tb1.address() as string
    const a = recorder()
    const ta = await started(
      createGrpcTransport({ id: 'a', authenticator: unauthenticatedPeers, peers: { b: address } }),
      a.handler,
    )
    ta.send([heartbeat('a', 'b', 1)])
    await eventually(() => b.received.length === 1, 'first delivery')
    await tb1.stop()
    await eventually(() => {
      ta.send([heartbeat('a', 'b', 2)])
      return a.unreachable.length > 0
    }, 'peer reported down')
    await started(createGrpcTransport({ id: 'b', listen: address, authenticator: unauthenticatedPeers }), b.handler)
    await eventually(() => {
      ta.send([heartbeat('a', 'b', 3)])
      return b.received.some((m) => m.term === 3)
    }, 'delivery after restart')
  })

  test('a peer that stops reading fills its queue, then messages are dropped without blocking the sender', async () => {
    // A server that accepts the stream and never reads: HTTP/2 flow control pushes back on the sender.
    const server = new grpc.Server()
    server.addService(RaftTransportService, {
      send: (call: grpc.ServerReadableStream<unknown, unknown>) => call.pause(),
    })
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
    )
    cleanups.push(() => server.forceShutdown())
    const metrics = createMetrics({ defaultMetrics: false })
    const a = recorder()
    const ta = await started(
      createGrpcTransport({
        id: 'a',
        authenticator: unauthenticatedPeers,
        peers: { b: `127.0.0.1:${port}` },
        maxQueuedMessages: 64,
        maxBatchMessages: 1,
        metrics,
      }),
      a.handler,
    )
    const entry = { term: 1, index: 1, type: 'normal' as const, data: new Uint8Array(64 * 1024) }
    const started_ = performance.now()
    for (let i = 0; i < 2_000; i++)
      ta.send([createMessage({ type: 'app', from: 'a', to: 'b', term: 1, entries: [entry] })])
    expect(performance.now() - started_).toBeLessThan(2_000)
    await eventually(() => a.unreachable.length > 0, 'drops reported')
    const dropped = await metrics.raft.messagesDroppedTotal.get()
    expect(dropped.values.find((v) => v.labels.reason === 'queue_full')?.value ?? 0).toBeGreaterThan(0)
  })
})

describe('RaftNode over gRPC with the WAL', () => {
  test('5.2 / 5.3: three nodes on loopback elect a leader, commit, and re-elect when the leader stops', async () => {
    const base = mkdtempSync(join(tmpdir(), 'avskit-raft-grpc-'))
    cleanups.push(() => rmSync(base, { recursive: true, force: true }))
    const ids = ['n1', 'n2', 'n3']
    const secret = new TextEncoder().encode('test cluster')
    const transports = ids.map((id) =>
      createGrpcTransport({ id, listen: '127.0.0.1:0', authenticator: createSharedSecretAuthenticator(id, secret) }),
    )
    // Listen first to learn the ports, then tell everyone.
    for (const t of transports) await t.start(recorder().handler)
    const addresses = Object.fromEntries(ids.map((id, i) => [id, transports[i]?.address() as string]))
    for (const t of transports) await t.stop()
    const nodes = new Map<NodeId, { node: RaftNode; applied: string[] }>()
    for (const id of ids) {
      const applied: string[] = []
      const peers = Object.fromEntries(Object.entries(addresses).filter(([peer]) => peer !== id))
      const transport = createGrpcTransport({
        id,
        listen: addresses[id],
        peers,
        authenticator: createSharedSecretAuthenticator(id, secret),
      })
      const node = await createRaftNode({
        id,
        dataDir: join(base, id),
        transport,
        tickMs: 20,
        bootstrap: ids.map((m) => ({ id: m })),
        stateMachine: {
          apply: (entries) => {
            for (const e of entries) applied.push(new TextDecoder().decode(e.data))
          },
          snapshot: () => new Uint8Array(),
          restore: () => {},
        },
      })
      await node.start()
      cleanups.push(() => node.stop())
      nodes.set(id, { node, applied })
    }
    const leaderOf = async (among: NodeId[]) => {
      let leader: NodeId | undefined
      await eventually(
        () => {
          leader = among.find((id) => nodes.get(id)?.node.isLeader())
          return leader !== undefined
        },
        'a leader',
        10_000,
      )
      return leader as NodeId
    }
    const first = await leaderOf(ids)
    const leaderNode = nodes.get(first)?.node as RaftNode
    await Promise.all(Array.from({ length: 100 }, (_, i) => leaderNode.propose(new TextEncoder().encode(`m${i}`))))
    await leaderNode.stop()
    const rest = ids.filter((id) => id !== first)
    const second = await leaderOf(rest)
    await nodes.get(second)?.node.propose(new TextEncoder().encode('after failover'))
    for (const id of rest) {
      await eventually(() => nodes.get(id)?.applied.length === 101, `${id} applied everything`)
      expect(nodes.get(id)?.applied.at(-1)).toBe('after failover')
    }
  })
})
