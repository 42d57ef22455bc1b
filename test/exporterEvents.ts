/**
 * Decoded exporter events for tests and benchmarks that feed the exporter repository directly (no chain): each
 * builder takes the block and log index it was "emitted" at and derives every other field from its arguments, so
 * two calls with the same arguments build the same event.
 */
import { type Address, type Hex, keccak256, toHex } from 'viem'
import type { EventLocation, ExporterEvent, TaskCertificate } from '../src/store/exporterEvents.js'

export const testOwner: Address = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'
export const testTaskManager: Address = '0x5FbDB2315678afecb367f032d93F642f64180aa3'

const word = (label: string): Hex => keccak256(toHex(label))

export function at(block: number, logIndex = 0, fork = ''): EventLocation {
  return {
    blockNumber: BigInt(block),
    blockHash: word(`block ${block}${fork}`),
    transactionHash: word(`tx ${block} ${logIndex}${fork}`),
    logIndex,
  }
}

export function operatorAdded(id: number, location: EventLocation, owner: Address = testOwner): ExporterEvent {
  return {
    type: 'OperatorAdded',
    operatorId: BigInt(id),
    owner,
    publicKey: word(`operator key ${id}`),
    fee: 10n ** 18n * BigInt(id),
    location,
  }
}

export function operatorRemoved(id: number, location: EventLocation): ExporterEvent {
  return { type: 'OperatorRemoved', operatorId: BigInt(id), location }
}

/** A 48-byte validator public key derived from `n`. */
export function validatorKey(n: number): Hex {
  return `${word(`validator ${n}`)}${word(`validator ${n} tail`).slice(2, 34)}` as Hex
}

export function validatorAdded(n: number, operatorIds: number[], location: EventLocation): ExporterEvent {
  return {
    type: 'ValidatorAdded',
    owner: testOwner,
    operatorIds: operatorIds.map(BigInt),
    publicKey: validatorKey(n),
    location,
  }
}

export function validatorRemoved(n: number, operatorIds: number[], location: EventLocation): ExporterEvent {
  return {
    type: 'ValidatorRemoved',
    owner: testOwner,
    operatorIds: operatorIds.map(BigInt),
    publicKey: validatorKey(n),
    location,
  }
}

export const testCertificate: TaskCertificate = {
  nonSignerPubkeys: [{ X: '1', Y: '2' }],
  quorumApks: [{ X: '3', Y: '4' }],
  apkG2: { X: ['5', '6'], Y: ['7', '8'] },
  sigma: { X: '255', Y: '4096' },
  nonSignerQuorumBitmapIndices: [0],
  quorumApkIndices: [1],
  totalStakeIndices: [2],
  nonSignerStakeIndices: [[3]],
}

export function taskDecided(
  taskIndex: number,
  location: EventLocation,
  options: { taskManager?: Address; certificate?: TaskCertificate | null } = {},
): ExporterEvent {
  return {
    type: 'TaskDecided',
    taskManager: options.taskManager ?? testTaskManager,
    taskIndex,
    result: word(`result ${taskIndex}`),
    taskCreatedBlock: Number(location.blockNumber) - 1,
    taskRespondedBlock: Number(location.blockNumber),
    quorumNumbers: [0, 1],
    quorumThresholdPercentage: 67,
    hashOfNonSigners: word(`non-signers ${taskIndex}`),
    signerOperatorIds: [word('signer a'), word('signer b')].sort(),
    nonSignerOperatorIds: [word('non-signer')],
    certificate: options.certificate === undefined ? testCertificate : options.certificate,
    location,
  }
}
