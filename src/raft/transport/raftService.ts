/**
 * The receiving side of the transport: the `RaftTransport.Send` gRPC method. Envelopes on a stream are handled
 * one at a time, in order (an asynchronous authenticator pauses the stream while it verifies). An envelope is accepted only if
 * the authenticator verifies its credentials for the sender it names, the batch names the same sender and this
 * node as its destination, its sequence number grows, and every message in it goes from that sender to this node.
 * Anything else ends the stream: UNAUTHENTICATED for bad credentials or a mismatched sender, INVALID_ARGUMENT for
 * a batch that does not decode or a wrong destination.
 */
import * as grpc from '@grpc/grpc-js'
import type { Logger } from '../../core/logger.js'
import type { Metrics } from '../../core/metrics.js'
import type { Envelope, RaftTransportServer } from '../../gen/raft.js'
import type { RaftTransportHandler } from '../node/raftNodeTypes.js'
import type { NodeId } from '../types.js'
import type { RaftAuthenticator } from './authenticator.js'
import { decodeMessageBatch } from './messageCodec.js'

export type RaftServiceOptions = {
  id: NodeId
  authenticator: RaftAuthenticator
  /** The node's handler once it started; envelopes arriving before are dropped (Raft retransmits). */
  handler: () => RaftTransportHandler | undefined
  logger?: Logger | undefined
  metrics?: Metrics['raft'] | undefined
}

class Refused extends Error {
  constructor(
    readonly code: grpc.status,
    readonly reason: 'unauthenticated' | 'malformed' | 'wrong_destination',
    message: string,
  ) {
    super(message)
  }
}

export type RaftService = {
  implementation: RaftTransportServer
  /** Ends every open incoming stream (UNAVAILABLE), so that a server shutdown does not wait on them. */
  close(): void
}

export function createRaftService(options: RaftServiceOptions): RaftService {
  const { id, authenticator } = options
  const open = new Set<() => void>()

  /** The authenticator's verdict; synchronous when the authenticator is. A throwing authenticator refuses. */
  function verify(envelope: Envelope): boolean | Promise<boolean> {
    const onError = (error: unknown) => {
      options.logger?.warn({ peer: envelope.from, err: error }, 'raft peer authenticator failed')
      return false
    }
    try {
      const verdict = authenticator.verify(envelope.from, envelope.batch, envelope.credentials)
      return verdict instanceof Promise ? verdict.catch(onError) : verdict
    } catch (error) {
      return onError(error)
    }
  }

  /** Checks a verified envelope's batch and hands its messages to the node; returns the batch's sequence. */
  function deliver(envelope: Envelope, verified: boolean, lastSequence: number): number {
    const from = envelope.from
    if (!verified) {
      throw new Refused(grpc.status.UNAUTHENTICATED, 'unauthenticated', `credentials do not prove sender "${from}"`)
    }
    let batch: ReturnType<typeof decodeMessageBatch>
    try {
      batch = decodeMessageBatch(envelope.batch)
    } catch (error) {
      throw new Refused(
        grpc.status.INVALID_ARGUMENT,
        'malformed',
        error instanceof Error ? error.message : String(error),
      )
    }
    if (batch.from !== from || batch.messages.some((m) => m.from !== from)) {
      throw new Refused(grpc.status.UNAUTHENTICATED, 'unauthenticated', `batch from "${batch.from}" sent as "${from}"`)
    }
    if (batch.to !== id || batch.messages.some((m) => m.to !== id)) {
      throw new Refused(grpc.status.INVALID_ARGUMENT, 'wrong_destination', `batch for "${batch.to}" sent to "${id}"`)
    }
    if (batch.sequence <= lastSequence) {
      throw new Refused(
        grpc.status.UNAUTHENTICATED,
        'unauthenticated',
        `replayed batch ${batch.sequence} from "${from}"`,
      )
    }
    options.handler()?.receive(batch.messages)
    return batch.sequence
  }

  const implementation: RaftTransportServer = {
    send(call, callback) {
      let batches = 0n
      let lastSequence = 0
      let finished = false
      const closeStream = () => {
        if (finished) return
        finished = true
        open.delete(closeStream)
        callback({ code: grpc.status.UNAVAILABLE, details: 'raft transport stopping' })
      }
      open.add(closeStream)
      const finish = (error: Refused | undefined) => {
        if (finished) return
        finished = true
        open.delete(closeStream)
        if (error) {
          options.metrics?.rejectedRequestsTotal.inc({ node: id, reason: error.reason })
          options.logger?.warn({ reason: error.reason, details: error.message }, 'raft stream refused')
          callback({ code: error.code, details: error.message })
        } else {
          callback(null, { batches })
        }
      }
      const refuse = (error: unknown) =>
        finish(error instanceof Refused ? error : new Refused(grpc.status.INTERNAL, 'malformed', String(error)))
      const handle = (envelope: Envelope, verified: boolean) => {
        lastSequence = deliver(envelope, verified, lastSequence)
        batches++
      }
      call.on('data', (envelope: Envelope) => {
        if (finished) return
        const verdict = verify(envelope)
        if (!(verdict instanceof Promise)) {
          try {
            handle(envelope, verdict)
          } catch (error) {
            refuse(error)
          }
          return
        }
        // An asynchronous authenticator: hold the stream so that batches are still handled in order.
        call.pause()
        verdict.then((verified) => {
          try {
            handle(envelope, verified)
            call.resume()
          } catch (error) {
            refuse(error)
          }
        }, refuse)
      })
      call.on('end', () => finish(undefined))
      call.on('error', () => finish(undefined))
    },
  }
  return {
    implementation,
    close() {
      for (const closeStream of [...open]) closeStream()
    },
  }
}
