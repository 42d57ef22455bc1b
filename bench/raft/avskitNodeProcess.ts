/**
 * One avskit Raft node as its own process, for bench/raft.bench.ts: WAL with fsync in `dataDir`, gRPC transport
 * on loopback, a state machine that counts applied entries. Clients propose over gRPC, like etcd's clients:
 * a unary `/bench.Raft/Propose` on `clientPort` whose request is the entry and whose answer comes once it is
 * committed and applied (FAILED_PRECONDITION on a follower). The parent asks for the status over IPC.
 *
 * It runs with RaftNode's default timing (10 ms ticks: heartbeats every 50 ms, elections after 300-600 ms).
 *
 *   node --import tsx bench/raft/avskitNodeProcess.ts <id> <dataDir> <port> <clientPort> <peers id=port,...>
 */
import * as grpc from '@grpc/grpc-js'
import { createGrpcTransport, createRaftNode, unauthenticatedPeers } from '../../src/raft/index.js'

const [id, dataDir, port, clientPort, peerList] = process.argv.slice(2) as [string, string, string, string, string]
const peers = Object.fromEntries(
  peerList.split(',').map((p) => {
    const [peer, peerPort] = p.split('=') as [string, string]
    return [peer, `127.0.0.1:${peerPort}`]
  }),
)
let applied = 0
const node = await createRaftNode({
  id,
  dataDir,
  bootstrap: [id, ...Object.keys(peers)].map((m) => ({ id: m })),
  transport: createGrpcTransport({ id, listen: `127.0.0.1:${port}`, peers, authenticator: unauthenticatedPeers }),
  stateMachine: {
    apply: (entries) => {
      applied += entries.length
    },
    snapshot: () => new TextEncoder().encode(String(applied)),
    restore: (snapshot) => {
      applied = Number(new TextDecoder().decode(snapshot.data))
    },
  },
})
await node.start()

const identity = (b: Buffer) => b
const server = new grpc.Server()
server.addService(
  {
    propose: {
      path: '/bench.Raft/Propose',
      requestStream: false,
      responseStream: false,
      requestSerialize: identity,
      requestDeserialize: identity,
      responseSerialize: identity,
      responseDeserialize: identity,
    },
  },
  {
    propose: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
      node.propose(call.request).then(
        () => callback(null, Buffer.alloc(0)),
        (error: unknown) => callback({ code: grpc.status.FAILED_PRECONDITION, details: String(error) }),
      )
    },
  },
)
await new Promise<void>((resolve, reject) =>
  server.bindAsync(`127.0.0.1:${clientPort}`, grpc.ServerCredentials.createInsecure(), (e) =>
    e ? reject(e) : resolve(),
  ),
)

process.on('message', (request: { op: 'status'; id: number }) => {
  const s = node.status()
  process.send?.({
    id: request.id,
    status: { role: s.role, lead: s.lead, term: s.term, commit: s.commit, applied: s.applied },
  })
})
// A graceful exit on SIGTERM, so that profiles (--cpu-prof) are written; the failover bench uses SIGKILL.
process.on('SIGTERM', () => process.exit(0))
process.send?.({ ready: true })
