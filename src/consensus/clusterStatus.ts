/** Reports of a member's view: the cluster (members, leader, log positions, tasks) and single tasks. */
import type { RaftStatus } from '../raft/index.js'
import type { ConsensusState, MemberAddress, TaskRecord } from './consensusState.js'
import type { ClusterMember, ClusterStatus, TaskView } from './taskConsensusTypes.js'

export function buildClusterStatus(parameters: {
  raft: RaftStatus
  state: ConsensusState
  /** Addresses learned outside the log (join answers, fetchOperatorUrl), for members the directory lacks. */
  addressOf: (id: string) => MemberAddress | undefined
}): ClusterStatus {
  const { raft, state, addressOf } = parameters
  const member = (id: string, suffrage: ClusterMember['suffrage']): ClusterMember => {
    const address = addressOf(id)
    const view: ClusterMember = {
      id,
      suffrage,
      raftAddress: address?.raftAddress ?? null,
      httpUrl: address?.httpUrl ?? null,
    }
    const progress = raft.progress.get(id)
    if (progress) view.match = progress.match
    return view
  }
  const counts = { pending: 0, certified: 0, submitted: 0, expired: 0 }
  const inFlight: ClusterStatus['tasks']['inFlight'] = []
  for (const task of state.tasks.values()) {
    if (task.status === 'pending') {
      counts.pending++
      inFlight.push({ taskIndex: task.taskIndex.toString(), signers: task.signatures.size, createdAt: task.createdAt })
    } else if (task.status === 'expired') counts.expired++
    else if (task.submission === null) counts.certified++
    else counts.submitted++
  }
  return {
    id: raft.id,
    role: raft.role,
    leaderId: raft.lead || null,
    leaderUrl: raft.lead ? (addressOf(raft.lead)?.httpUrl ?? null) : null,
    term: raft.term,
    commit: raft.commit,
    applied: raft.applied,
    firstIndex: raft.firstIndex,
    lastIndex: raft.lastIndex,
    members: [
      ...raft.confState.voters.map((id) => member(id, 'voter')),
      ...raft.confState.learners.map((id) => member(id, 'learner')),
    ],
    tasks: {
      ...counts,
      lastTaskIndex: state.lastTaskIndex?.toString() ?? null,
      inFlight: inFlight.slice(-100),
    },
  }
}

/** One task as the cluster recorded it (JSON-friendly). */
export function taskView(record: TaskRecord): TaskView {
  return {
    taskIndex: record.taskIndex.toString(),
    status: record.status,
    request: record.request,
    referenceBlock: record.task.referenceBlock.toString(),
    quorumNumbers: record.task.quorumNumbers,
    thresholdPercentages: record.task.thresholdPercentages,
    signers: [...record.signatures.keys()],
    digest: record.digest,
    outcome: record.outcome,
    submission: record.submission,
    createdAt: record.createdAt,
    finishedAt: record.finishedAt,
  }
}
