/**
 * The facts the exporter indexes, decoded from registry and task manager logs: what the indexer hands to the
 * exporter repository. Every event carries where it was emitted, which orders events (block, then log index)
 * and says what a reorganisation takes back.
 */
import type { Address, Hex } from 'viem'

export type EventLocation = {
  blockNumber: bigint
  blockHash: Hex
  transactionHash: Hex
  logIndex: number
}

/** The aggregate signature and non-signer data `respondToTask` carried (`NonSignerStakesAndSignature`). */
export type TaskCertificate = {
  nonSignerPubkeys: { X: string; Y: string }[]
  quorumApks: { X: string; Y: string }[]
  apkG2: { X: [string, string]; Y: [string, string] }
  sigma: { X: string; Y: string }
  nonSignerQuorumBitmapIndices: number[]
  quorumApkIndices: number[]
  totalStakeIndices: number[]
  nonSignerStakeIndices: number[][]
}

export type ExporterEvent =
  | {
      type: 'OperatorAdded'
      operatorId: bigint
      owner: Address
      publicKey: Hex
      fee: bigint
      location: EventLocation
    }
  | { type: 'OperatorRemoved'; operatorId: bigint; location: EventLocation }
  | {
      type: 'ValidatorAdded'
      owner: Address
      operatorIds: readonly bigint[]
      publicKey: Hex
      location: EventLocation
    }
  | {
      type: 'ValidatorRemoved'
      owner: Address
      operatorIds: readonly bigint[]
      publicKey: Hex
      location: EventLocation
    }
  | {
      /** A certified task response (TaskResponded): the "decided" message of the SSV exporter's API. */
      type: 'TaskDecided'
      taskManager: Address
      /** `referenceTaskIndex`: the decided message's sequence number. */
      taskIndex: number
      /** The certified result (bytes32). */
      result: Hex
      taskCreatedBlock: number
      taskRespondedBlock: number
      quorumNumbers: number[]
      quorumThresholdPercentage: number
      hashOfNonSigners: Hex
      /** Operator ids (bytes32) of the quorums' operators at the reference block that signed, ascending. */
      signerOperatorIds: Hex[]
      nonSignerOperatorIds: Hex[]
      /** Null when the response did not come from a direct `respondToTask` call whose input could be decoded. */
      certificate: TaskCertificate | null
      location: EventLocation
    }
