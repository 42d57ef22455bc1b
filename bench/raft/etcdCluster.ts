/**
 * The baseline: three etcd members (Debian's `etcd-server`) on loopback, each its own process with its own data
 * directory (etcd fsyncs its WAL by default), driven through etcd's gRPC API with grpc-js: `KV.Put` for proposals
 * and `Maintenance.Status` for the leader and applied index. The request and response messages are encoded by
 * hand (PutRequest: key = 1, value = 2; StatusResponse: header.member_id = 1.2, leader = 4, raftIndex = 5,
 * raftAppliedIndex = 7, from etcd's api/etcdserverpb/rpc.proto).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, openSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BinaryReader, BinaryWriter } from '@bufbuild/protobuf/wire'
import * as grpc from '@grpc/grpc-js'
import type { BenchCluster } from './workload.js'

export function etcdAvailable(): boolean {
  try {
    execFileSync('etcd', ['--version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

const identity = (b: Buffer) => b

function fields(bytes: Uint8Array): Map<number, (bigint | Uint8Array)[]> {
  const reader = new BinaryReader(bytes)
  const out = new Map<number, (bigint | Uint8Array)[]>()
  while (reader.pos < reader.len) {
    const [no, wireType] = reader.tag()
    let value: bigint | Uint8Array
    if (wireType === 0) value = BigInt(reader.uint64())
    else if (wireType === 2) value = reader.bytes()
    else {
      reader.skip(wireType)
      continue
    }
    out.set(no, [...(out.get(no) ?? []), value])
  }
  return out
}

export async function startEtcdCluster(options: {
  basePort: number
  heartbeatMs: number
  electionMs: number
}): Promise<BenchCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'avskit-etcd-bench-'))
  const ids = ['e1', 'e2', 'e3']
  const clientPort = (i: number) => options.basePort + i
  const peerPort = (i: number) => options.basePort + 10 + i
  const initialCluster = ids.map((id, i) => `${id}=http://127.0.0.1:${peerPort(i)}`).join(',')
  const processes = new Map<string, ChildProcess>()
  const clients = new Map<string, grpc.Client>()
  const valueCache = new Map<number, Buffer>()
  let key = 0

  const launch = (id: string, i: number) => {
    const child = spawn(
      'etcd',
      [
        ...['--name', id, '--data-dir', join(dir, id)],
        ...['--listen-client-urls', `http://127.0.0.1:${clientPort(i)}`],
        ...['--advertise-client-urls', `http://127.0.0.1:${clientPort(i)}`],
        ...['--listen-peer-urls', `http://127.0.0.1:${peerPort(i)}`],
        ...['--initial-advertise-peer-urls', `http://127.0.0.1:${peerPort(i)}`],
        ...['--initial-cluster', initialCluster, '--initial-cluster-state', 'new'],
        ...['--initial-cluster-token', 'avskit-bench'],
        ...['--heartbeat-interval', String(options.heartbeatMs), '--election-timeout', String(options.electionMs)],
        ...['--logger', 'zap', '--log-level', 'error'],
      ],
      { stdio: ['ignore', 'ignore', openSync(join(dir, `${id}.log`), 'a')] },
    )
    processes.set(id, child)
    clients.get(id)?.close()
    clients.set(id, new grpc.Client(`127.0.0.1:${clientPort(i)}`, grpc.credentials.createInsecure()))
  }
  ids.forEach(launch)

  const unary = (id: string, path: string, request: Uint8Array, timeoutMs: number) =>
    new Promise<Uint8Array | undefined>((resolve) => {
      const client = clients.get(id)
      if (!client) return resolve(undefined)
      client.makeUnaryRequest(
        path,
        identity,
        identity,
        Buffer.from(request),
        new grpc.Metadata(),
        { deadline: Date.now() + timeoutMs },
        (error, response) => resolve(error ? undefined : response),
      )
    })

  const status = async (id: string) => {
    const bytes = await unary(id, '/etcdserverpb.Maintenance/Status', new Uint8Array(), 500)
    if (!bytes) return undefined
    const f = fields(bytes)
    const header = f.get(1)?.[0]
    const memberId = header instanceof Uint8Array ? fields(header).get(2)?.[0] : undefined
    return {
      isLeader: memberId !== undefined && memberId === f.get(4)?.[0],
      raftIndex: Number(f.get(5)?.[0] ?? 0n),
      applied: Number(f.get(7)?.[0] ?? 0n),
    }
  }

  const cluster: BenchCluster = {
    name: 'etcd',
    members: ids,
    async leader() {
      for (const id of ids) if ((await status(id))?.isLeader) return id
      return undefined
    },
    async propose(member, size) {
      let value = valueCache.get(size)
      if (!value) {
        value = Buffer.alloc(size, 97)
        valueCache.set(size, value)
      }
      const request = new BinaryWriter()
        .tag(1, 2)
        .bytes(Buffer.from(`bench/${key++ % 1000}`))
        .tag(2, 2)
        .bytes(value)
        .finish()
      return (await unary(member, '/etcdserverpb.KV/Put', request, 1_000)) !== undefined
    },
    async kill(member) {
      const child = processes.get(member)
      if (!child || child.exitCode !== null) return
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve())
        child.kill('SIGKILL')
      })
    },
    async restart(member) {
      launch(member, ids.indexOf(member))
    },
    async caughtUp(member) {
      const [m, leader] = [await status(member), await cluster.leader()]
      if (!m || !leader) return false
      const l = await status(leader)
      return l !== undefined && m.applied >= l.raftIndex - 1
    },
    async stop() {
      await Promise.all(ids.map((id) => cluster.kill(id)))
      for (const client of clients.values()) client.close()
      if (!process.env.RAFT_BENCH_KEEP) rmSync(dir, { recursive: true, force: true })
    },
  }
  return cluster
}
