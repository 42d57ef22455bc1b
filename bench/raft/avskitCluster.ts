/**
 * Three avskit Raft nodes, each its own process (avskitNodeProcess.ts) with a WAL that fsyncs, on loopback.
 * Proposals go over gRPC (one unary call each, as for etcd); status queries over IPC.
 */

import { type ChildProcess, fork } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as grpc from '@grpc/grpc-js'
import type { BenchCluster } from './workload.js'

type Pending = { resolve: (reply: Reply) => void }
type Reply = { id: number; status?: { role: string; lead: string; commit: number; applied: number } }

class NodeProcess {
  child: ChildProcess | undefined
  private next = 0
  private readonly pending = new Map<number, Pending>()

  constructor(
    readonly id: string,
    private readonly args: string[],
  ) {}

  async start(): Promise<void> {
    const script = join(import.meta.dirname, 'avskitNodeProcess.ts')
    const child = fork(script, this.args, {
      execArgv: [
        '--import',
        'tsx',
        ...(process.env.RAFT_BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.RAFT_BENCH_CPU_PROF] : []),
      ],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    })
    this.child = child
    await new Promise<void>((resolve, reject) => {
      child.once('error', reject)
      child.on('message', (reply: Reply & { ready?: boolean }) => {
        if (reply.ready) return resolve()
        this.pending.get(reply.id)?.resolve(reply)
        this.pending.delete(reply.id)
      })
      child.once('exit', () => {
        for (const p of this.pending.values()) p.resolve({ id: -1 })
        this.pending.clear()
      })
    })
  }

  request(message: Record<string, unknown>): Promise<Reply> {
    const child = this.child
    if (!child?.connected) return Promise.resolve({ id: -1 })
    const id = ++this.next
    return new Promise((resolve) => {
      this.pending.set(id, { resolve })
      child.send({ ...message, id })
    })
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child
    this.child = undefined
    if (!child || child.exitCode !== null) return Promise.resolve()
    return new Promise((resolve) => {
      child.once('exit', () => resolve())
      child.kill(signal)
    })
  }
}

export async function startAvskitCluster(options: { basePort: number }): Promise<BenchCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'avskit-raft-bench-'))
  const ids = ['n1', 'n2', 'n3']
  const port = (i: number) => options.basePort + i
  const nodes = ids.map((id, i) => {
    const peers = ids
      .map((peer, j) => [peer, port(j)] as const)
      .filter(([peer]) => peer !== id)
      .map(([peer, p]) => `${peer}=${p}`)
      .join(',')
    return new NodeProcess(id, [id, join(dir, id), String(port(i)), String(port(i) + 100), peers])
  })
  await Promise.all(nodes.map((n) => n.start()))
  const byId = new Map(nodes.map((n) => [n.id, n]))
  const clients = new Map(
    ids.map((id, i) => [id, new grpc.Client(`127.0.0.1:${port(i) + 100}`, grpc.credentials.createInsecure())]),
  )
  const payloads = new Map<number, Buffer>()
  const identity = (b: Buffer) => b
  const status = async (id: string) => (await byId.get(id)?.request({ op: 'status' }))?.status

  const cluster: BenchCluster = {
    name: 'avskit',
    members: ids,
    async leader() {
      for (const id of ids) {
        const s = await status(id)
        if (s?.role === 'leader') return id
      }
      return undefined
    },
    propose(member, size) {
      let payload = payloads.get(size)
      if (!payload) {
        payload = Buffer.alloc(size, 97)
        payloads.set(size, payload)
      }
      const client = clients.get(member)
      if (!client) return Promise.resolve(false)
      return new Promise((resolve) =>
        client.makeUnaryRequest(
          '/bench.Raft/Propose',
          identity,
          identity,
          payload,
          new grpc.Metadata(),
          { deadline: Date.now() + 1_000 },
          (error) => resolve(!error),
        ),
      )
    },
    async kill(member) {
      await byId.get(member)?.kill()
    },
    async restart(member) {
      await byId.get(member)?.start()
    },
    async caughtUp(member) {
      const leader = await cluster.leader()
      if (!leader) return false
      const [l, m] = await Promise.all([status(leader), status(member)])
      return l !== undefined && m !== undefined && m.applied >= l.commit - 1
    },
    async stop() {
      for (const client of clients.values()) client.close()
      await Promise.all(nodes.map((n) => n.kill('SIGTERM')))
      rmSync(dir, { recursive: true, force: true })
    },
  }
  return cluster
}
