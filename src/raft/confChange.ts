/**
 * Single-server membership changes (section 6 of the Raft paper as refined in Ongaro's thesis, section 4.1): the
 * configuration changes one server at a time, so any majority of the old configuration overlaps any majority of
 * the new one and no joint consensus is needed. A change travels through the log as an entry of type
 * `confChange` and takes effect on every node when that entry is applied (etcd-io/raft's rule); the leader allows
 * one unapplied change at a time, and a new leader first commits an entry of its own term (the fix Ongaro
 * published on raft-dev in 2015 for single-server changes racing a leader change).
 *
 * New servers join as learners (non-voting, thesis section 4.2.1) and are promoted with `addVoter` once they have
 * caught up, so that adding a server never leaves the cluster waiting on an empty log.
 */
import { InvalidInputError } from '../core/errors.js'
import type { ConfState, NodeId } from './types.js'

export type ConfChangeType = 'addVoter' | 'addLearner' | 'removeNode'

export type ConfChange = {
  type: ConfChangeType
  nodeId: NodeId
  /** Opaque to Raft: the application's data about the member (for example its address). */
  context: Uint8Array
}

const typeCodes: Record<ConfChangeType, number> = { addVoter: 1, addLearner: 2, removeNode: 3 }
const typesByCode = new Map<number, ConfChangeType>(Object.entries(typeCodes).map(([t, c]) => [c, t as ConfChangeType]))
const textEncoder = new TextEncoder()
const textDecoder = new TextDecoder('utf-8', { fatal: true })

/** Encodes a change as `[type u8][idLength u16 BE][id utf-8][context…]`. */
export function encodeConfChange(change: ConfChange): Uint8Array {
  const id = textEncoder.encode(change.nodeId)
  if (id.length === 0 || id.length > 0xffff) {
    throw new InvalidInputError(`invalid conf change node id: expected 1 to 65535 bytes, got ${id.length}`)
  }
  const out = new Uint8Array(3 + id.length + change.context.length)
  out[0] = typeCodes[change.type]
  out[1] = id.length >>> 8
  out[2] = id.length & 0xff
  out.set(id, 3)
  out.set(change.context, 3 + id.length)
  return out
}

export function decodeConfChange(data: Uint8Array): ConfChange {
  const type = typesByCode.get(data[0] ?? 0)
  const idLength = ((data[1] ?? 0) << 8) | (data[2] ?? 0)
  if (!type || data.length < 3 + idLength || idLength === 0) {
    throw new InvalidInputError(`invalid conf change entry: ${data.length} bytes, type code ${data[0]}`)
  }
  return {
    type,
    nodeId: textDecoder.decode(data.subarray(3, 3 + idLength)),
    context: data.slice(3 + idLength),
  }
}

/**
 * The configuration after `change`. Throws when the change makes no sense against `conf` (removing an absent node,
 * removing the last voter). Adding a voter that is a learner promotes it; adding a learner that is a voter is
 * refused (demotion is a remove followed by an add).
 */
export function applyConfChangeToState(conf: ConfState, change: ConfChange): ConfState {
  const voters = new Set(conf.voters)
  const learners = new Set(conf.learners)
  const id = change.nodeId
  switch (change.type) {
    case 'addVoter':
      learners.delete(id)
      voters.add(id)
      break
    case 'addLearner':
      if (voters.has(id)) throw new InvalidInputError(`cannot add ${id} as a learner: it is a voter`)
      learners.add(id)
      break
    case 'removeNode':
      if (!voters.has(id) && !learners.has(id)) throw new InvalidInputError(`cannot remove ${id}: not a member`)
      voters.delete(id)
      learners.delete(id)
      if (voters.size === 0) throw new InvalidInputError(`cannot remove ${id}: it is the last voter`)
      break
  }
  return { voters: [...voters].sort(), learners: [...learners].sort() }
}
