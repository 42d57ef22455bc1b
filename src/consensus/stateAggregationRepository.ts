/**
 * The leader's `AggregationRepository`: the aggregation service (src/aggregation) stores through it, and what
 * it stores goes through the Raft log instead of a database. The service already writes every verified signature
 * before it answers "accepted", and reloads pending tasks with their signatures when it starts; so with this
 * repository
 *
 * - `insertSignatures` proposes a `signatures` entry and resolves once it is committed and applied: an accepted
 *   signature is on a majority of the cluster before the operator hears "accepted";
 * - `markCertified`, `markExpired` and `recordEquivocation` propose their entries the same way;
 * - `listTasksByStatus('pending')` and `listSignatures` read the replicated state, so a new leader's service
 *   resumes every in-flight aggregation with the signatures the previous leader collected.
 *
 * Tasks enter the replicated state through `task` entries (the engine proposes them), so `insertTask` writes
 * nothing: it only tells the service, once per task, that a pending task is new to it. `getTask` reports finished
 * tasks only: a pending task the service has not initialized yet is "not known yet", so early responses wait for
 * it rather than being refused.
 */
import type { Hex } from 'viem'
import type {
  AggregationEquivocationRow,
  AggregationRepository,
  AggregationSignatureRow,
  AggregationTaskRow,
} from '../store/index.js'
import { signatureKey } from '../store/index.js'
import type { ConsensusEntry } from './consensusEntries.js'
import type { ConsensusState, TaskRecord } from './consensusState.js'

/** Proposes an entry and resolves with its log index once it is applied on this member. */
export type ProposeEntry = (entry: ConsensusEntry) => Promise<{ index: number }>

export function createStateAggregationRepository(parameters: {
  state: ConsensusState
  propose: ProposeEntry
}): AggregationRepository {
  const { state, propose } = parameters
  /** Pending tasks this repository's service has been handed (by `listTasksByStatus` or `insertTask`). */
  const handed = new Set<bigint>()

  return {
    async insertTask(task) {
      const record = state.tasks.get(task.taskIndex)
      if (record?.status !== 'pending' || handed.has(task.taskIndex)) return false
      handed.add(task.taskIndex)
      return true
    },
    async getTask(taskIndex) {
      const record = state.tasks.get(taskIndex)
      return record && record.status !== 'pending' ? toTaskRow(record) : undefined
    },
    async listTasksByStatus(status) {
      const rows = [...state.tasks.values()].filter((t) => t.status === status).map(toTaskRow)
      if (status === 'pending') for (const row of rows) handed.add(row.taskIndex)
      return rows
    },
    async insertSignatures(rows) {
      if (rows.length === 0) return new Set()
      const { index } = await propose({
        kind: 'signatures',
        rows: rows.map((r) => ({
          taskIndex: r.taskIndex,
          operatorId: r.operatorId.toLowerCase() as Hex,
          digest: r.digest.toLowerCase() as Hex,
          signature: r.signature,
          response: r.response ?? null,
        })),
        at: Date.now(),
      })
      // A row was new exactly when the state took it from this entry.
      const inserted = new Set<string>()
      for (const row of rows) {
        const operatorId = row.operatorId.toLowerCase() as Hex
        if (state.tasks.get(row.taskIndex)?.signatures.get(operatorId)?.entryIndex === index) {
          inserted.add(signatureKey(row.taskIndex, operatorId))
        }
      }
      return inserted
    },
    async listSignatures(taskIndexes) {
      const rows: (AggregationSignatureRow & { entryIndex: number })[] = []
      for (const taskIndex of taskIndexes) {
        for (const s of state.tasks.get(taskIndex)?.signatures.values() ?? []) {
          rows.push({
            taskIndex,
            operatorId: s.operatorId,
            digest: s.digest,
            signature: s.signature,
            response: s.response,
            acceptedAt: new Date(s.acceptedAt),
            entryIndex: s.entryIndex,
          })
        }
      }
      return rows.sort((a, b) => a.entryIndex - b.entryIndex).map(({ entryIndex: _, ...row }) => row)
    },
    async recordEquivocation(row: AggregationEquivocationRow) {
      await propose({
        kind: 'equivocation',
        evidence: {
          taskIndex: row.taskIndex,
          operatorId: row.operatorId.toLowerCase() as Hex,
          firstDigest: row.firstDigest.toLowerCase() as Hex,
          firstSignature: row.firstSignature,
          secondDigest: row.secondDigest.toLowerCase() as Hex,
          secondSignature: row.secondSignature,
        },
        at: Date.now(),
      })
    },
    async listEquivocations(taskIndex) {
      return (state.tasks.get(taskIndex)?.equivocations ?? []).map(({ recordedAt, ...e }) => ({
        ...e,
        recordedAt: new Date(recordedAt),
      }))
    },
    async markCertified(taskIndex, digest, certificate) {
      await propose({ kind: 'certified', taskIndex, digest: digest.toLowerCase() as Hex, certificate, at: Date.now() })
    },
    async markExpired(taskIndex, outcome) {
      await propose({ kind: 'expired', taskIndex, outcome, at: Date.now() })
    },
  }
}

/** A replicated task as the aggregation service's row type. */
export function toTaskRow(record: TaskRecord): AggregationTaskRow {
  const { task } = record
  return {
    taskIndex: record.taskIndex,
    referenceBlock: task.referenceBlock,
    quorumNumbers: [...task.quorumNumbers],
    thresholdPercentages: [...task.thresholdPercentages],
    expiresAt: task.expiresAt === null ? null : new Date(task.expiresAt),
    expiryBlock: task.expiryBlock,
    collectionWindowMs: task.collectionWindowMs,
    metadata: null,
    status: record.status,
    digest: record.digest,
    certificate: record.certificate,
    outcome: record.outcome,
    createdAt: new Date(record.createdAt),
    finishedAt: record.finishedAt === null ? null : new Date(record.finishedAt),
  }
}
