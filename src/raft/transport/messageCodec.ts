/**
 * Conversion between the core's messages (src/raft/types.ts) and their wire form (proto/raft.proto), field for
 * field. Decoding checks what protobuf cannot: a known message type, and integers within JavaScript's exact range.
 */
import { InvalidInputError } from '../../core/errors.js'
import * as wire from '../../gen/raft.js'
import type { Entry, Message, MessageType, Snapshot } from '../types.js'

const toWireType: Record<MessageType, wire.MessageType> = {
  app: wire.MessageType.MESSAGE_TYPE_APP,
  appResp: wire.MessageType.MESSAGE_TYPE_APP_RESP,
  vote: wire.MessageType.MESSAGE_TYPE_VOTE,
  voteResp: wire.MessageType.MESSAGE_TYPE_VOTE_RESP,
  preVote: wire.MessageType.MESSAGE_TYPE_PRE_VOTE,
  preVoteResp: wire.MessageType.MESSAGE_TYPE_PRE_VOTE_RESP,
  heartbeat: wire.MessageType.MESSAGE_TYPE_HEARTBEAT,
  heartbeatResp: wire.MessageType.MESSAGE_TYPE_HEARTBEAT_RESP,
  snap: wire.MessageType.MESSAGE_TYPE_SNAP,
  timeoutNow: wire.MessageType.MESSAGE_TYPE_TIMEOUT_NOW,
}
const fromWireType = new Map<number, MessageType>(
  Object.entries(toWireType).map(([type, code]) => [code, type as MessageType]),
)

function int(value: bigint, field: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new InvalidInputError(`invalid raft message: ${field} ${value} exceeds 2^53 - 1`)
  }
  return Number(value)
}

function toWireEntry(e: Entry): wire.Entry {
  return {
    term: BigInt(e.term),
    index: BigInt(e.index),
    type: e.type === 'confChange' ? wire.EntryType.ENTRY_TYPE_CONF_CHANGE : wire.EntryType.ENTRY_TYPE_NORMAL,
    data: Buffer.from(e.data.buffer, e.data.byteOffset, e.data.byteLength),
  }
}

function fromWireEntry(e: wire.Entry): Entry {
  return {
    term: int(e.term, 'entry term'),
    index: int(e.index, 'entry index'),
    type: e.type === wire.EntryType.ENTRY_TYPE_CONF_CHANGE ? 'confChange' : 'normal',
    data: new Uint8Array(e.data.buffer, e.data.byteOffset, e.data.byteLength),
  }
}

function toWireSnapshot(s: Snapshot): wire.Snapshot {
  return {
    metadata: {
      index: BigInt(s.metadata.index),
      term: BigInt(s.metadata.term),
      confState: { voters: [...s.metadata.confState.voters], learners: [...s.metadata.confState.learners] },
    },
    data: Buffer.from(s.data.buffer, s.data.byteOffset, s.data.byteLength),
  }
}

function fromWireSnapshot(s: wire.Snapshot): Snapshot {
  const metadata = s.metadata
  if (!metadata) throw new InvalidInputError('invalid raft message: snapshot without metadata')
  return {
    metadata: {
      index: int(metadata.index, 'snapshot index'),
      term: int(metadata.term, 'snapshot term'),
      confState: { voters: metadata.confState?.voters ?? [], learners: metadata.confState?.learners ?? [] },
    },
    data: new Uint8Array(s.data.buffer, s.data.byteOffset, s.data.byteLength),
  }
}

export function toWireMessage(m: Message): wire.Message {
  return {
    type: toWireType[m.type],
    from: m.from,
    to: m.to,
    term: BigInt(m.term),
    logTerm: BigInt(m.logTerm),
    index: BigInt(m.index),
    entries: m.entries.map(toWireEntry),
    commit: BigInt(m.commit),
    reject: m.reject,
    rejectHint: BigInt(m.rejectHint),
    leaderTransfer: m.leaderTransfer,
    snapshot: m.snapshot ? toWireSnapshot(m.snapshot) : undefined,
  }
}

export function fromWireMessage(m: wire.Message): Message {
  const type = fromWireType.get(m.type)
  if (!type) throw new InvalidInputError(`invalid raft message: unknown type ${m.type}`)
  if (type === 'snap' && !m.snapshot) throw new InvalidInputError('invalid raft message: snap without a snapshot')
  return {
    type,
    from: m.from,
    to: m.to,
    term: int(m.term, 'term'),
    logTerm: int(m.logTerm, 'logTerm'),
    index: int(m.index, 'index'),
    entries: m.entries.map(fromWireEntry),
    commit: int(m.commit, 'commit'),
    reject: m.reject,
    rejectHint: int(m.rejectHint, 'rejectHint'),
    leaderTransfer: m.leaderTransfer,
    snapshot: m.snapshot ? fromWireSnapshot(m.snapshot) : undefined,
  }
}

export function encodeMessageBatch(batch: {
  from: string
  to: string
  sequence: number
  messages: readonly Message[]
}): Uint8Array {
  return wire.MessageBatch.encode({
    from: batch.from,
    to: batch.to,
    sequence: BigInt(batch.sequence),
    messages: batch.messages.map(toWireMessage),
  }).finish()
}

export function decodeMessageBatch(bytes: Uint8Array): {
  from: string
  to: string
  sequence: number
  messages: Message[]
} {
  let decoded: wire.MessageBatch
  try {
    decoded = wire.MessageBatch.decode(bytes)
  } catch (error) {
    throw new InvalidInputError('invalid raft message batch: not a MessageBatch', { cause: error })
  }
  return {
    from: decoded.from,
    to: decoded.to,
    sequence: int(decoded.sequence, 'sequence'),
    messages: decoded.messages.map(fromWireMessage),
  }
}
