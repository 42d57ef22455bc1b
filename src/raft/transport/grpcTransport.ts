/**
 * Raft over gRPC (HTTP/2) with @grpc/grpc-js: one `PeerSender` (queue + client stream) per peer for outgoing
 * messages, and the `RaftTransport.Send` service for incoming ones, either on its own server or added to the
 * process's shared one (src/core/grpcServer.ts). Peers are addressed by id; the address book changes with the
 * membership (`setPeer` / `removePeer`, typically from `onConfChange`).
 *
 * @example
 * const transport = createGrpcTransport({
 *   id: 'n1',
 *   listen: '127.0.0.1:7001',
 *   peers: { n2: '127.0.0.1:7002', n3: '127.0.0.1:7003' },
 *   authenticator,
 * })
 * const node = await createRaftNode({ id: 'n1', dataDir, transport, stateMachine, bootstrap })
 */
import type * as grpc from '@grpc/grpc-js'
import { createGrpcServer, type GrpcServer } from '../../core/grpcServer.js'
import { createLogger, type Logger } from '../../core/logger.js'
import type { Metrics } from '../../core/metrics.js'
import { RaftTransportService } from '../../gen/raft.js'
import type { RaftTransport, RaftTransportHandler } from '../node/raftNodeTypes.js'
import type { Message, NodeId } from '../types.js'
import type { RaftAuthenticator } from './authenticator.js'
import { PeerSender } from './peerSender.js'
import { createRaftService } from './raftService.js'

export type GrpcTransportOptions = {
  id: NodeId
  /** `host:port` to listen on with a server of the transport's own. Omit when passing `server`. */
  listen?: string | undefined
  /**
   * A shared server to add the Raft service to; the caller starts it. Its `maxReceiveMessageLength` must hold the
   * largest snapshot message.
   */
  server?: GrpcServer | undefined
  /** Peer addresses by id (`host:port`). */
  peers?: Record<NodeId, string> | undefined
  authenticator: RaftAuthenticator
  /** Messages queued per peer before new ones are dropped (etcd's stream buffer holds 4,096). */
  maxQueuedMessages?: number | undefined
  /** Messages per batch (one envelope, one signature). */
  maxBatchMessages?: number | undefined
  /** Largest message sent or received, in bytes; snapshots travel in one message. Default 64 MiB. */
  maxMessageBytes?: number | undefined
  logger?: Logger | undefined
  metrics?: Metrics | undefined
}

export type GrpcTransport = RaftTransport & {
  setPeer(id: NodeId, address: string): void
  removePeer(id: NodeId): void
  /** The address the transport's own server listens on, once started. */
  address(): string | undefined
}

export function createGrpcTransport(options: GrpcTransportOptions): GrpcTransport {
  const logger = options.logger?.child({ module: 'raft-transport', node: options.id })
  const metrics = options.metrics?.raft
  const maxMessageBytes = options.maxMessageBytes ?? 64 * 1024 * 1024
  const channelOptions: grpc.ChannelOptions = {
    'grpc.max_send_message_length': maxMessageBytes,
    'grpc.max_receive_message_length': maxMessageBytes,
    // Reconnect quickly to a restarted peer: gRPC's connection backoff defaults (1 s initial, 120 s max) suit
    // clients of a service, not members of a cluster whose elections take a second.
    'grpc.initial_reconnect_backoff_ms': 100,
    'grpc.max_reconnect_backoff_ms': 1_000,
    'grpc.keepalive_time_ms': 10_000,
    'grpc.keepalive_timeout_ms': 5_000,
    'grpc.keepalive_permit_without_calls': 1,
  }
  const addresses = new Map<NodeId, string>(Object.entries(options.peers ?? {}))
  const senders = new Map<NodeId, PeerSender>()
  let handler: RaftTransportHandler | undefined
  let ownServer: GrpcServer | undefined
  let boundAddress: string | undefined

  const service = createRaftService({
    id: options.id,
    authenticator: options.authenticator,
    handler: () => handler,
    logger,
    metrics,
  })
  if (options.server) options.server.addService(RaftTransportService, service.implementation)

  function sender(peer: NodeId): PeerSender | undefined {
    const existing = senders.get(peer)
    if (existing) return existing
    const address = addresses.get(peer)
    if (!address) return undefined
    const created = new PeerSender({
      self: options.id,
      peer,
      address,
      authenticator: options.authenticator,
      handler: () => handler,
      maxQueued: options.maxQueuedMessages ?? 4096,
      maxBatchMessages: options.maxBatchMessages ?? 512,
      maxBatchBytes: Math.min(4 * 1024 * 1024, maxMessageBytes),
      channelOptions,
      logger,
      metrics,
    })
    senders.set(peer, created)
    return created
  }

  return {
    async start(h) {
      handler = h
      if (options.listen && !ownServer) {
        ownServer = createGrpcServer({
          address: options.listen,
          logger: options.logger ?? createLogger({ level: 'silent', format: 'json' }),
          maxReceiveMessageLength: maxMessageBytes,
        })
        ownServer.addService(RaftTransportService, service.implementation)
        boundAddress = await ownServer.listen()
      }
    },
    send(messages) {
      const byPeer = new Map<NodeId, Message[]>()
      for (const m of messages) {
        const list = byPeer.get(m.to)
        if (list) list.push(m)
        else byPeer.set(m.to, [m])
      }
      for (const [peer, list] of byPeer) {
        const target = sender(peer)
        if (target) {
          target.enqueue(list)
          continue
        }
        metrics?.messagesDroppedTotal.inc({ node: options.id, peer, reason: 'unknown_peer' }, list.length)
        for (const m of list) if (m.type === 'snap') handler?.reportSnapshot(peer, false)
        handler?.reportUnreachable(peer)
      }
    },
    async stop() {
      handler = undefined
      for (const s of senders.values()) s.stop()
      senders.clear()
      service.close()
      await ownServer?.close()
      ownServer = undefined
    },
    setPeer(id, address) {
      if (addresses.get(id) === address) return
      addresses.set(id, address)
      senders.get(id)?.stop()
      senders.delete(id)
    },
    removePeer(id) {
      addresses.delete(id)
      senders.get(id)?.stop()
      senders.delete(id)
    },
    address: () => boundAddress,
  }
}
