/**
 * Turns a TaskResponded log into the exporter's "decided" fact: the log names the task and its result; the
 * certificate and the task's quorums come from the `respondToTask` input, and the signers are the quorums'
 * operators at the task's reference block minus the certificate's non-signers.
 */
import { type Address, encodePacked, type Hex, keccak256 } from 'viem'
import type { ChainClient } from '../chain/clients.js'
import { getQuorumOperatorIds } from '../chain/getQuorumOperatorIds.js'
import { getRespondedTask } from '../chain/getRespondedTask.js'
import { decodeQuorumNumbers } from '../chain/quorumNumbers.js'
import type { NonSignerStakesAndSignature } from '../chain/taskManager.js'
import type { EventLocation, ExporterEvent, TaskCertificate } from '../store/index.js'

export type TaskDecidedEvent = Extract<ExporterEvent, { type: 'TaskDecided' }>

export type TaskRespondedArgs = {
  taskResponse: { referenceTaskIndex: number; result: Hex }
  taskResponseMetadata: { taskRespondedBlock: number; hashOfNonSigners: Hex }
}

export async function readDecidedTask(parameters: {
  client: ChainClient
  taskManager: Address
  registryCoordinator: Address
  args: TaskRespondedArgs
  location: EventLocation
}): Promise<TaskDecidedEvent> {
  const { client, args, location } = parameters
  const taskIndex = args.taskResponse.referenceTaskIndex
  const decided: TaskDecidedEvent = {
    type: 'TaskDecided',
    taskManager: parameters.taskManager,
    taskIndex,
    result: args.taskResponse.result,
    taskCreatedBlock: 0,
    taskRespondedBlock: args.taskResponseMetadata.taskRespondedBlock,
    quorumNumbers: [],
    quorumThresholdPercentage: 0,
    hashOfNonSigners: args.taskResponseMetadata.hashOfNonSigners,
    signerOperatorIds: [],
    nonSignerOperatorIds: [],
    certificate: null,
    location,
  }
  const responded = await getRespondedTask({
    client,
    taskManager: parameters.taskManager,
    transactionHash: location.transactionHash,
    taskIndex,
  })
  if (responded === undefined) return decided

  const quorumNumbers = decodeQuorumNumbers(responded.task.quorumNumbers)
  const nonSigners = responded.certificate.nonSignerPubkeys.map((key) =>
    keccak256(encodePacked(['uint256', 'uint256'], [key.X, key.Y])),
  )
  const quorumOperators = await getQuorumOperatorIds({
    client,
    registryCoordinator: parameters.registryCoordinator,
    quorumNumbers,
    blockNumber: BigInt(responded.task.taskCreatedBlock),
  })
  const excluded = new Set(nonSigners)
  const signers = new Set(quorumOperators.flat().filter((id) => !excluded.has(id)))
  return {
    ...decided,
    taskCreatedBlock: responded.task.taskCreatedBlock,
    quorumNumbers,
    quorumThresholdPercentage: responded.task.quorumThresholdPercentage,
    signerOperatorIds: [...signers].sort(compareIds),
    nonSignerOperatorIds: nonSigners,
    certificate: toTaskCertificate(responded.certificate),
  }
}

/** Operator ids order as uint256, which for equal-length hex is string order. */
function compareIds(a: Hex, b: Hex): number {
  return a < b ? -1 : a > b ? 1 : 0
}

function toTaskCertificate(certificate: NonSignerStakesAndSignature): TaskCertificate {
  const g1 = (point: { X: bigint; Y: bigint }) => ({ X: point.X.toString(), Y: point.Y.toString() })
  return {
    nonSignerPubkeys: certificate.nonSignerPubkeys.map(g1),
    quorumApks: certificate.quorumApks.map(g1),
    apkG2: {
      X: [certificate.apkG2.X[0].toString(), certificate.apkG2.X[1].toString()],
      Y: [certificate.apkG2.Y[0].toString(), certificate.apkG2.Y[1].toString()],
    },
    sigma: g1(certificate.sigma),
    nonSignerQuorumBitmapIndices: [...certificate.nonSignerQuorumBitmapIndices],
    quorumApkIndices: [...certificate.quorumApkIndices],
    totalStakeIndices: [...certificate.totalStakeIndices],
    nonSignerStakeIndices: certificate.nonSignerStakeIndices.map((indices) => [...indices]),
  }
}
