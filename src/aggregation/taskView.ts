/**
 * What `avskit task show` and `GET /tasks/:index` report about a task: status, digest, signers and non-signers,
 * stake per quorum against its threshold, and the `respondToTask` transaction.
 */
import type { Hex } from 'viem'
import type { AggregationRepository, KvRepository } from '../store/index.js'
import type { AggregationService } from './aggregationService.js'
import { submissionKey, type TaskSubmission } from './taskAggregator.js'
import { toJsonValue } from './toJsonValue.js'

export type TaskView = {
  taskIndex: string
  status: 'pending' | 'certifying' | 'certified' | 'expired'
  referenceBlock: string
  quorumNumbers: number[]
  digest: Hex | null
  signers: Hex[]
  nonSigners: Hex[]
  stakes: { quorumNumber: number; signedStake: string; totalStake: string; thresholdPercentage: number }[]
  outcome: string | null
  submission: TaskSubmission | null
}

export async function getTaskView(parameters: {
  taskIndex: bigint
  service: AggregationService
  repository: AggregationRepository
  kv: KvRepository
}): Promise<TaskView | undefined> {
  const { taskIndex } = parameters
  const submission = (await parameters.kv.get<TaskSubmission>(submissionKey(taskIndex))) ?? null
  const live = parameters.service.taskStatus(taskIndex)
  if (live) {
    return toJsonValue({
      taskIndex,
      status: live.status,
      referenceBlock: live.referenceBlock,
      quorumNumbers: live.quorumNumbers,
      digest: live.digest ?? null,
      signers: live.signers,
      nonSigners: [],
      stakes: live.stakes,
      outcome: null,
      submission,
    }) as TaskView
  }
  const row = await parameters.repository.getTask(taskIndex)
  if (!row) return undefined
  const stored = (row.certificate ?? {}) as { signers?: Hex[]; nonSigners?: Hex[]; stakes?: TaskView['stakes'] }
  return {
    taskIndex: row.taskIndex.toString(),
    status: row.status as TaskView['status'],
    referenceBlock: row.referenceBlock.toString(),
    quorumNumbers: row.quorumNumbers,
    digest: (row.digest as Hex | null) ?? null,
    signers: stored.signers ?? [],
    nonSigners: stored.nonSigners ?? [],
    stakes: stored.stakes ?? [],
    outcome: row.outcome,
    submission,
  }
}
