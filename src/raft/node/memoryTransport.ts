/**
 * An in-process transport for tests and single-process clusters: every node registers with a hub, and messages
 * are delivered on a later macrotask (never inside `send`, as over a network). Nodes can be cut off.
 */
import type { Message, NodeId } from '../types.js'
import type { RaftTransport, RaftTransportHandler } from './raftNodeTypes.js'

export class MemoryTransportHub {
  private readonly handlers = new Map<NodeId, RaftTransportHandler>()
  private readonly cut = new Set<NodeId>()

  /** The transport of node `id`. */
  transport(id: NodeId): RaftTransport {
    return {
      start: async (handler) => {
        this.handlers.set(id, handler)
      },
      send: (messages) => {
        const batch = [...messages]
        setImmediate(() => this.deliver(id, batch))
      },
      stop: async () => {
        this.handlers.delete(id)
      },
    }
  }

  /** Drops every message to and from `id` until `reconnect`. */
  disconnect(id: NodeId): void {
    this.cut.add(id)
  }

  reconnect(id: NodeId): void {
    this.cut.delete(id)
  }

  private deliver(from: NodeId, messages: Message[]): void {
    const sender = this.handlers.get(from)
    const byPeer = new Map<NodeId, Message[]>()
    for (const m of messages) {
      const list = byPeer.get(m.to) ?? []
      list.push(m)
      byPeer.set(m.to, list)
    }
    for (const [to, list] of byPeer) {
      const receiver = this.handlers.get(to)
      const reachable = receiver !== undefined && !this.cut.has(to) && !this.cut.has(from)
      if (reachable) receiver.receive(list)
      else sender?.reportUnreachable(to)
      for (const m of list) if (m.type === 'snap') sender?.reportSnapshot(to, reachable)
    }
  }
}
