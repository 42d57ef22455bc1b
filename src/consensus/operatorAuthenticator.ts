/**
 * The Raft transport's authenticator for a cluster of operators (src/raft `RaftAuthenticator`): every member is a
 * registered operator and proves it on every batch it sends.
 *
 * Node ids are operator addresses. The credentials of a batch are 73 bytes, `timestamp ‖ r ‖ s ‖ v`: the
 * timestamp (milliseconds, u64 big-endian) and the sender's secp256k1 signature over
 *
 *     keccak256("avskit:raft-batch:v1" ‖ chainId u64 ‖ registryCoordinator (20 bytes) ‖ keccak256(senderId)
 *               ‖ keccak256(batch) ‖ timestamp u64)
 *
 * so a batch is bound to one chain, one AVS (its RegistryCoordinator), one sender and one moment. The batch itself
 * names its destination and a sequence number that grows on its stream (proto/raft.proto), so it cannot be sent to
 * another member either. A receiver accepts a batch when
 *
 * 1. the credentials have the right length and the sender id is an address;
 * 2. the timestamp is within `windowMs` of its own clock, either way (a replay can only repeat Raft messages the
 *    sender really sent, within the window; Raft tolerates duplicates);
 * 3. the signature recovers to the sender's address (the public key is then remembered, and later batches are
 *    verified against it: ~0.16 ms instead of a recovery, see src/pool/checkinToken.ts for the measurements);
 * 4. the sender is a registered operator, asked through a {@link RegistrationCheck} (answers remembered, so only
 *    a peer's first batch, or the first after its answer aged, waits for the chain).
 *
 * Anything else is refused, and the transport ends the stream (UNAUTHENTICATED).
 */
import { keccak_256 } from '@noble/hashes/sha3.js'
import * as secp256k1 from 'tiny-secp256k1'
import { type Address, type Hex, hexToBytes } from 'viem'
import { privateKeyToAddress } from 'viem/accounts'
import type { RaftAuthenticator } from '../raft/index.js'
import type { RegistrationCheck } from './registrationCheck.js'

export type BatchRefusal = 'malformed' | 'expired' | 'future' | 'bad_signature' | 'not_registered' | 'lookup_failed'

export type CreateOperatorAuthenticatorParameters = {
  /** The operator's ECDSA key; its address is this member's node id. */
  privateKey: Hex
  chainId: number
  registryCoordinator: Address
  registrations: RegistrationCheck
  /** Accepted distance between a batch's timestamp and the receiver's clock, each way (default 60 s). */
  windowMs?: number | undefined
  now?: (() => number) | undefined
  /** Told why a batch was refused. */
  onRefused?: ((peerId: string, reason: BatchRefusal, error?: unknown) => void) | undefined
}

export type OperatorAuthenticator = RaftAuthenticator & {
  /** This member's node id: the operator's checksummed address. */
  readonly nodeId: Address
}

const credentialsLength = 8 + 64 + 1
const domainTag = new TextEncoder().encode('avskit:raft-batch:v1')
const textEncoder = new TextEncoder()

/** The digest a batch's credentials sign (exported for tests and other implementations). */
export function batchDigest(parameters: {
  chainId: number
  registryCoordinator: Address
  senderId: string
  batch: Uint8Array
  timestamp: number
}): Uint8Array {
  const message = new Uint8Array(domainTag.length + 8 + 20 + 32 + 32 + 8)
  const view = new DataView(message.buffer)
  let offset = 0
  message.set(domainTag, offset)
  offset += domainTag.length
  view.setBigUint64(offset, BigInt(parameters.chainId))
  offset += 8
  message.set(hexToBytes(parameters.registryCoordinator), offset)
  offset += 20
  message.set(keccak_256(textEncoder.encode(parameters.senderId)), offset)
  offset += 32
  message.set(keccak_256(parameters.batch), offset)
  offset += 32
  view.setBigUint64(offset, BigInt(parameters.timestamp))
  return keccak_256(message)
}

/**
 * @example
 * const authenticator = createOperatorAuthenticator({ privateKey, chainId, registryCoordinator, registrations })
 * const transport = createGrpcTransport({ id: authenticator.nodeId, listen, authenticator })
 */
export function createOperatorAuthenticator(parameters: CreateOperatorAuthenticatorParameters): OperatorAuthenticator {
  const { chainId, registryCoordinator, registrations } = parameters
  const windowMs = parameters.windowMs ?? 60_000
  const now = parameters.now ?? Date.now
  const key = hexToBytes(parameters.privateKey)
  const nodeId = privateKeyToAddress(parameters.privateKey)
  const publicKeys = new Map<string, Uint8Array>()

  const refuse = (peerId: string, reason: BatchRefusal, error?: unknown) => {
    parameters.onRefused?.(peerId, reason, error)
    return false
  }

  function signatureMatches(peerId: string, digest: Uint8Array, signature: Uint8Array, recoveryId: number): boolean {
    const known = publicKeys.get(peerId)
    try {
      if (known) return secp256k1.verify(digest, known, signature)
      if (recoveryId !== 0 && recoveryId !== 1) return false
      const publicKey = secp256k1.recover(digest, signature, recoveryId, false)
      if (!publicKey || addressOf(publicKey) !== peerId.toLowerCase()) return false
      if (publicKeys.size >= 10_000) publicKeys.delete(publicKeys.keys().next().value as string)
      publicKeys.set(peerId, publicKey)
      return true
    } catch {
      // r or s out of range, or a point that does not decode: a signature by nobody.
      return false
    }
  }

  return {
    nodeId,
    sign(payload) {
      const timestamp = now()
      const digest = batchDigest({ chainId, registryCoordinator, senderId: nodeId, batch: payload, timestamp })
      const { signature, recoveryId } = secp256k1.signRecoverable(digest, key)
      const credentials = new Uint8Array(credentialsLength)
      new DataView(credentials.buffer).setBigUint64(0, BigInt(timestamp))
      credentials.set(signature, 8)
      credentials[72] = recoveryId
      return credentials
    },
    verify(peerId, payload, credentials) {
      if (credentials.length !== credentialsLength || !/^0x[0-9a-fA-F]{40}$/.test(peerId)) {
        return refuse(peerId, 'malformed')
      }
      const timestamp = Number(new DataView(credentials.buffer, credentials.byteOffset, 8).getBigUint64(0))
      const clock = now()
      if (timestamp < clock - windowMs) return refuse(peerId, 'expired')
      if (timestamp > clock + windowMs) return refuse(peerId, 'future')
      const digest = batchDigest({ chainId, registryCoordinator, senderId: peerId, batch: payload, timestamp })
      if (!signatureMatches(peerId, digest, credentials.subarray(8, 72), credentials[72] as number)) {
        return refuse(peerId, 'bad_signature')
      }
      const known = registrations.cached(peerId)
      if (known !== undefined) return known || refuse(peerId, 'not_registered')
      return registrations.isRegistered(peerId).then(
        (registered) => registered || refuse(peerId, 'not_registered'),
        (error: unknown) => refuse(peerId, 'lookup_failed', error),
      )
    },
  }
}

/** The lowercase address of an uncompressed public key (0x04 ‖ X ‖ Y). */
function addressOf(publicKey: Uint8Array): string {
  return `0x${Buffer.from(keccak_256(publicKey.subarray(1)).subarray(12)).toString('hex')}`
}
