/**
 * The outgoing side of the transport for one peer: a bounded queue and one long-lived gRPC client stream.
 *
 * - Batching: messages queued while the previous batch was being signed or written go out together.
 * - Backpressure: when HTTP/2 flow control stops taking data (`write` returns false) the sender waits for
 *   `drain`; meanwhile the queue fills, and past `maxQueued` messages are dropped (etcd's stream buffer drops
 *   the same way and reports the peer unreachable). Raft retransmits what matters, so the Raft loop never waits.
 * - Failure and reconnect: a failed stream reports the peer unreachable (the leader goes back to probing) and
 *   snapshots in flight as failed; messages are dropped until an exponential backoff (50 ms doubling to 2 s,
 *   with jitter) has passed, then the next message opens a new stream.
 */
import * as grpc from '@grpc/grpc-js'
import type { Logger } from '../../core/logger.js'
import type { Metrics } from '../../core/metrics.js'
import { type Envelope, RaftTransportService, type SendSummary } from '../../gen/raft.js'
import type { RaftTransportHandler } from '../node/raftNodeTypes.js'
import type { Message, NodeId } from '../types.js'
import type { RaftAuthenticator } from './authenticator.js'
import { encodeMessageBatch } from './messageCodec.js'

export type PeerSenderOptions = {
  self: NodeId
  peer: NodeId
  address: string
  authenticator: RaftAuthenticator
  handler: () => RaftTransportHandler | undefined
  maxQueued: number
  maxBatchMessages: number
  /** Approximate payload bytes per batch; a single larger message still goes alone. */
  maxBatchBytes: number
  channelOptions: grpc.ChannelOptions
  logger?: Logger | undefined
  metrics?: Metrics['raft'] | undefined
}

const method = RaftTransportService.send
const minBackoffMs = 50
const maxBackoffMs = 2_000

/** One client stream; `failed` is set when it ends, and `onFailure` rejects the write in progress. */
class PeerStream {
  failed: Error | undefined
  onFailure: ((error: Error) => void) | undefined
  readonly call: grpc.ClientWritableStream<Envelope>

  constructor(client: grpc.Client, onEnd: (stream: PeerStream) => void) {
    this.call = client.makeClientStreamRequest<Envelope, SendSummary>(
      method.path,
      method.requestSerialize,
      method.responseDeserialize,
      new grpc.Metadata(),
      {},
      (error) => {
        this.failed = error ?? new Error('stream ended by the peer')
        this.onFailure?.(this.failed)
        onEnd(this)
      },
    )
  }
}

export class PeerSender {
  private readonly client: grpc.Client
  private queue: Message[] = []
  private stream: PeerStream | undefined
  private sequence = 0
  private pumping = false
  private stopped = false
  private backoffMs = 0
  private backoffUntil = 0
  private reportedDown = false

  constructor(private readonly options: PeerSenderOptions) {
    this.client = new grpc.Client(options.address, grpc.credentials.createInsecure(), options.channelOptions)
  }

  get queued(): number {
    return this.queue.length
  }

  enqueue(messages: readonly Message[]): void {
    if (this.stopped) return
    if (Date.now() < this.backoffUntil) {
      this.drop(messages, 'unreachable')
      return
    }
    for (const m of messages) {
      if (this.queue.length >= this.options.maxQueued) this.drop([m], 'queue_full')
      else this.queue.push(m)
    }
    this.options.metrics?.peerQueueLength.set({ node: this.options.self, peer: this.options.peer }, this.queue.length)
    if (!this.pumping) void this.pump()
  }

  stop(): void {
    this.stopped = true
    this.stream?.call.end()
    this.stream = undefined
    this.client.close()
    this.queue = []
  }

  private drop(messages: readonly Message[], reason: 'unreachable' | 'queue_full'): void {
    const handler = this.options.handler()
    const { self, peer } = this.options
    this.options.metrics?.messagesDroppedTotal.inc({ node: self, peer, reason }, messages.length)
    for (const m of messages) if (m.type === 'snap') handler?.reportSnapshot(peer, false)
    if (!this.reportedDown) {
      this.reportedDown = true
      handler?.reportUnreachable(peer)
    }
  }

  private async pump(): Promise<void> {
    this.pumping = true
    try {
      while (this.queue.length > 0 && !this.stopped && Date.now() >= this.backoffUntil) {
        const batch = this.takeBatch()
        this.options.metrics?.peerQueueLength.set(
          { node: this.options.self, peer: this.options.peer },
          this.queue.length,
        )
        const ok = await this.sendBatch(batch)
        const handler = this.options.handler()
        for (const m of batch) if (m.type === 'snap') handler?.reportSnapshot(this.options.peer, ok)
        if (ok) {
          this.backoffMs = 0
          this.reportedDown = false
        } else {
          this.drop(
            batch.filter((m) => m.type !== 'snap'),
            'unreachable',
          )
        }
      }
    } finally {
      this.pumping = false
    }
  }

  /** The next batch: up to `maxBatchMessages` messages and about `maxBatchBytes` of payload (at least one). */
  private takeBatch(): Message[] {
    let bytes = 0
    let count = 0
    while (count < this.queue.length && count < this.options.maxBatchMessages) {
      const m = this.queue[count] as Message
      bytes += 64 + (m.snapshot?.data.length ?? 0) + m.entries.reduce((n, e) => n + 24 + e.data.length, 0)
      if (count > 0 && bytes > this.options.maxBatchBytes) break
      count++
    }
    return this.queue.splice(0, count)
  }

  /**
   * The stream failed, during a write or after (the peer refused a batch, restarted or vanished): back off, drop
   * what is queued and tell Raft the peer is unreachable.
   */
  private streamFailed(error: Error): void {
    if (this.stopped) return
    this.options.logger?.debug({ peer: this.options.peer, err: error }, 'raft stream to peer failed')
    this.backoffMs = Math.min(maxBackoffMs, Math.max(minBackoffMs, this.backoffMs * 2))
    this.backoffUntil = Date.now() + this.backoffMs * (0.5 + Math.random() / 2)
    this.reportedDown = false
    this.drop(this.queue.splice(0), 'unreachable')
  }

  /** Signs and writes one batch; false when the stream failed. */
  private async sendBatch(messages: Message[]): Promise<boolean> {
    const { self, peer } = this.options
    const batch = encodeMessageBatch({ from: self, to: peer, sequence: ++this.sequence, messages })
    let stream: PeerStream | undefined
    try {
      const signed = this.options.authenticator.sign(batch)
      const credentials = signed instanceof Promise ? await signed : signed
      stream = this.openStream()
      const envelope: Envelope = { batch: Buffer.from(batch), credentials: Buffer.from(credentials), from: self }
      await this.write(stream, envelope)
      return true
    } catch (error) {
      // A failed stream has already been handled by streamFailed; a failed signature had not.
      if (!stream?.failed) this.streamFailed(error instanceof Error ? error : new Error(String(error)))
      return false
    }
  }

  private openStream(): PeerStream {
    this.stream ??= new PeerStream(this.client, (ended) => {
      if (this.stream === ended) this.stream = undefined
      if (ended.failed) this.streamFailed(ended.failed)
    })
    return this.stream
  }

  /** Resolves once the envelope is handed to HTTP/2 and, under backpressure, once the stream drains. */
  private write(stream: PeerStream, envelope: Envelope): Promise<void> {
    return new Promise((resolve, reject) => {
      let flushed = false
      let drained = true
      const settle = () => {
        if (!flushed || !drained) return
        stream.onFailure = undefined
        resolve()
      }
      if (stream.failed) {
        reject(stream.failed)
        return
      }
      stream.onFailure = reject
      drained = stream.call.write(envelope, (error: Error | null | undefined) => {
        if (error) reject(error)
        flushed = true
        settle()
      })
      if (!drained) {
        stream.call.once('drain', () => {
          drained = true
          settle()
        })
      }
    })
  }
}
