/**
 * How transport peers prove who they are. Raft itself has no notion of identity; the application decides what a
 * credential is (for an AVS: a signature by the operator's registered key, bound to the chain and the registry
 * contract, see src/consensus). The transport calls `sign` over every batch it sends and `verify` over every
 * batch it receives, before decoding the messages inside; a batch that fails is refused and the stream ended.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import type { NodeId } from '../types.js'

export type RaftAuthenticator = {
  /** Credentials proving that this node produced `payload`. */
  sign(payload: Uint8Array): Uint8Array | Promise<Uint8Array>
  /** Whether `credentials` prove that `peerId` produced `payload`. */
  verify(peerId: NodeId, payload: Uint8Array, credentials: Uint8Array): boolean | Promise<boolean>
}

/** Accepts every peer. Only for tests and benchmarks on a trusted loopback. */
export const unauthenticatedPeers: RaftAuthenticator = {
  sign: () => new Uint8Array(),
  verify: () => true,
}

/**
 * Every member holds the same secret and signs with HMAC-SHA256 over the peer id and payload. Proves membership
 * of the group, not which member spoke; for a closed test cluster, not for operators who do not trust each other.
 */
export function createSharedSecretAuthenticator(self: NodeId, secret: Uint8Array): RaftAuthenticator {
  const mac = (peer: NodeId, payload: Uint8Array) =>
    createHmac('sha256', secret).update(peer).update('\0').update(payload).digest()
  return {
    sign: (payload) => mac(self, payload),
    verify: (peer, payload, credentials) => {
      const expected = mac(peer, payload)
      return credentials.length === expected.length && timingSafeEqual(expected, credentials)
    },
  }
}
