/**
 * The exporter's wire messages, built from its rows. They live beside the repository because `/query` and
 * `/stream` build operator and validator messages from the same rows with the same functions (the stream outbox
 * refers to the row; see `schema/exporter.ts`), so the two always agree.
 *
 * Shapes follow the SSV exporter's API (ssvlabs/ssv `exporter/api`): operators and validators by the exporter's
 * insertion `index`, decided messages as SSV's signed IBFT message with the task manager as `lambda` and the task
 * index as `seq_number`, plus avskit's fields. The full reference is `docs/exporter-api.md`.
 */
import { type Address, getAddress, type Hex } from 'viem'
import type { exporterDecided, exporterOperators, exporterValidators } from './schema/index.js'

export type ExporterOperatorRow = typeof exporterOperators.$inferSelect
/**
 * A validator row with its operators' public keys (same order as `operatorIds`), joined from the operators table
 * when read; null for an operator the exporter never indexed (added before `--from-block`).
 */
export type ExporterValidatorRow = typeof exporterValidators.$inferSelect & { operatorPublicKeys: (string | null)[] }
export type ExporterDecidedRow = typeof exporterDecided.$inferSelect

/**
 * An operator as `/query` returns it and `/stream` pushes it. `blockNumber` and `transactionHash` are those of the
 * last change: the `OperatorAdded` log, or the `OperatorRemoved` log once `removed` is true.
 */
export type OperatorMessage = {
  index: number
  /** The registry's operator id (uint64, assigned from 1 upwards: always a safe JSON integer in practice). */
  id: number
  publicKey: Hex
  /** Checksummed. */
  ownerAddress: Address
  /** uint256 as a decimal string. */
  fee: string
  removed: boolean
  blockNumber: number
  transactionHash: Hex
}

/** A validator; `blockNumber`/`transactionHash` as for operators (the removal once `removed`). */
export type ValidatorMessage = {
  index: number
  publicKey: Hex
  ownerAddress: Address
  /** In the registry's order; `publicKey` null for an operator the exporter has not indexed. */
  operators: { nodeId: number; publicKey: Hex | null }[]
  removed: boolean
  blockNumber: number
  transactionHash: Hex
}

/** A certified task response as SSV's decided message, with avskit's fields after SSV's. */
export type DecidedMessage = {
  message: {
    /** SSV's IBFT `Decided` message type. */
    type: 3
    round: 1
    /** The TaskManager address, checksummed. */
    lambda: Address
    /** The task index. */
    seq_number: number
    /** The certified result (bytes32). */
    value: Hex
  }
  /** The aggregate BLS signature σ as 0x ‖ X ‖ Y (32 bytes each), or null without a certificate. */
  signature: Hex | null
  /** EigenLayer operator ids (bytes32) that signed, ascending. */
  signer_ids: Hex[]
  nonSignerIds: Hex[]
  quorumNumbers: number[]
  /** The block the signatures were checked against (`taskCreatedBlock`). */
  referenceBlockNumber: number
  /** The `NonSignerStakesAndSignature` of the response, or null when it could not be decoded. */
  certificate: unknown
  blockNumber: number
  transactionHash: Hex
}

/** The role of every decided message: a certified task (SSV's roles were ATTESTER, AGGREGATOR, PROPOSER). */
export const decidedRole = 'TASK'

export type ExporterMessageType = 'operator' | 'validator' | 'decided'

/** One item a retraction takes back. */
export type RetractedItem =
  | { type: 'operator'; index: number }
  | { type: 'validator'; index: number }
  | { type: 'decided'; publicKey: Address; seq_number: number }

/**
 * What the stream outbox stores for a row: the `/query` response shape for one item, so a stream message reads
 * like the answer to `{"type", "filter": {"from": i, "to": i}}`. `/stream` adds `"cursor"`.
 */
export type StreamEnvelope =
  | { type: 'operator'; filter: { from: number; to: number }; data: [OperatorMessage] }
  | { type: 'validator'; filter: { from: number; to: number }; data: [ValidatorMessage] }
  | {
      type: 'decided'
      filter: { from: number; to: number; role: typeof decidedRole; publicKey: Address }
      data: [DecidedMessage]
    }
  | {
      type: 'retraction'
      data: RetractedItem[]
      /** The common ancestor: everything above it was taken back; null when everything was. */
      blockNumber: number | null
    }

const checksummed = new Map<string, Address>()

/** EIP-55 form of an address, remembered (owners and task managers repeat across many rows). */
export function checksumAddress(address: string): Address {
  const key = address.toLowerCase()
  let value = checksummed.get(key)
  if (value === undefined) {
    value = getAddress(key)
    if (checksummed.size >= 50_000) checksummed.clear()
    checksummed.set(key, value)
  }
  return value
}

export function operatorMessage(row: ExporterOperatorRow): OperatorMessage {
  const removed = row.removedBlock !== null
  return {
    index: row.index,
    id: Number(row.operatorId),
    publicKey: row.publicKey as Hex,
    ownerAddress: checksumAddress(row.owner),
    fee: row.fee,
    removed,
    blockNumber: removed ? (row.removedBlock as number) : row.addedBlock,
    transactionHash: (removed ? row.removedTransaction : row.addedTransaction) as Hex,
  }
}

export function validatorMessage(row: ExporterValidatorRow): ValidatorMessage {
  const removed = row.removedBlock !== null
  return {
    index: row.index,
    publicKey: row.publicKey as Hex,
    ownerAddress: checksumAddress(row.owner),
    operators: row.operatorIds.map((id, i) => ({
      nodeId: Number(id),
      publicKey: (row.operatorPublicKeys[i] ?? null) as Hex | null,
    })),
    removed,
    blockNumber: removed ? (row.removedBlock as number) : row.addedBlock,
    transactionHash: (removed ? row.removedTransaction : row.addedTransaction) as Hex,
  }
}

export function decidedMessage(row: ExporterDecidedRow): DecidedMessage {
  return {
    message: {
      type: 3,
      round: 1,
      lambda: checksumAddress(row.taskManager),
      seq_number: row.taskIndex,
      value: row.result as Hex,
    },
    signature: row.signature as Hex | null,
    signer_ids: row.signerIds as Hex[],
    nonSignerIds: row.nonSignerIds as Hex[],
    quorumNumbers: row.quorumNumbers,
    referenceBlockNumber: row.referenceBlock,
    certificate: row.certificate ?? null,
    blockNumber: row.blockNumber,
    transactionHash: row.transactionHash as Hex,
  }
}

export function operatorEnvelope(row: ExporterOperatorRow): StreamEnvelope {
  return { type: 'operator', filter: { from: row.index, to: row.index }, data: [operatorMessage(row)] }
}

export function validatorEnvelope(row: ExporterValidatorRow): StreamEnvelope {
  return { type: 'validator', filter: { from: row.index, to: row.index }, data: [validatorMessage(row)] }
}

export function decidedEnvelope(row: ExporterDecidedRow): StreamEnvelope {
  const message = decidedMessage(row)
  return {
    type: 'decided',
    filter: { from: row.taskIndex, to: row.taskIndex, role: decidedRole, publicKey: message.message.lambda },
    data: [message],
  }
}

/*
 * The same envelopes as JSON text, written directly: every stream server serialises one per message it reads
 * (pages of hundreds), and building the object to `JSON.stringify` it cost about twice as much. The output is exactly
 * `JSON.stringify(xEnvelope(row))` (a test holds them equal); strings that are not plain hex or decimal go through
 * `JSON.stringify`, so nothing unescaped can reach the JSON.
 */

const plain = /^[0-9A-Za-z]*$/

/** A JSON string literal; hex and decimal strings (every string these messages hold) without escaping work. */
function text(value: string | null): string {
  if (value === null) return 'null'
  return plain.test(value) ? `"${value}"` : JSON.stringify(value)
}

function operatorJson(row: ExporterOperatorRow): string {
  const removed = row.removedBlock !== null
  return `{"index":${row.index},"id":${Number(row.operatorId)},"publicKey":${text(row.publicKey)},"ownerAddress":${text(
    checksumAddress(row.owner),
  )},"fee":${text(row.fee)},"removed":${removed},"blockNumber":${removed ? row.removedBlock : row.addedBlock},"transactionHash":${text(
    removed ? row.removedTransaction : row.addedTransaction,
  )}}`
}

function validatorJson(row: ExporterValidatorRow): string {
  const removed = row.removedBlock !== null
  let operators = ''
  for (let i = 0; i < row.operatorIds.length; i++) {
    operators += `${i === 0 ? '' : ','}{"nodeId":${Number(row.operatorIds[i])},"publicKey":${text(row.operatorPublicKeys[i] ?? null)}}`
  }
  return `{"index":${row.index},"publicKey":${text(row.publicKey)},"ownerAddress":${text(checksumAddress(row.owner))},"operators":[${operators}],"removed":${removed},"blockNumber":${removed ? row.removedBlock : row.addedBlock},"transactionHash":${text(
    removed ? row.removedTransaction : row.addedTransaction,
  )}}`
}

export function operatorEnvelopeJson(row: ExporterOperatorRow): string {
  return `{"type":"operator","filter":{"from":${row.index},"to":${row.index}},"data":[${operatorJson(row)}]}`
}

export function validatorEnvelopeJson(row: ExporterValidatorRow): string {
  return `{"type":"validator","filter":{"from":${row.index},"to":${row.index}},"data":[${validatorJson(row)}]}`
}

export function decidedEnvelopeJson(row: ExporterDecidedRow): string {
  return JSON.stringify(decidedEnvelope(row))
}
