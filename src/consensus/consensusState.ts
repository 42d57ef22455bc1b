/**
 * The replicated state of a task-consensus cluster: the Raft state machine (src/raft `RaftStateMachine`). Every
 * member applies the same entries (consensusEntries.ts) in the same order and so holds the same tasks, the same
 * accepted signatures, outcomes and submissions, and the same directory of members' addresses.
 *
 * Applying is synchronous and touches only memory: it never waits on the network or the disk (Raft thesis 10.2,
 * and the rule of `RaftStateMachine`). Side effects (signing a task, resuming an aggregation) are the engine's:
 * it hears of each change through `onEvent`, which must only queue work.
 *
 * Rules that keep every member identical:
 * - a task index is taken once; a second `task` entry for it (a new leader re-reading the chain) is ignored, and
 *   so is one for a task already pruned;
 * - a signature counts once per (task, operator), only while its task is pending; its position is the log index of
 *   the entry that brought it, which is also how the proposer learns which of its rows were new;
 * - outcomes apply to pending tasks only, and a submission to certified tasks only, once;
 * - finished tasks (expired, or certified and submitted) beyond `retainFinishedTasks` are pruned oldest first,
 *   so the state stays bounded.
 *
 * The member directory (id → Raft and HTTP addresses) comes from the context of each membership change and is
 * kept in snapshots, so a member that catches up from a snapshot still knows where everyone is.
 */
import type { Hex } from 'viem'
import type { CommittedEntry, ConfChange, RaftStateMachine, Snapshot } from '../raft/index.js'
import {
  type ConsensusEntry,
  decodeConsensusEntry,
  type EquivocationData,
  type SignatureData,
  type Submission,
  type TaskRowData,
} from './consensusEntries.js'
import { decodeConsensusJson, encodeConsensusJson } from './consensusJson.js'

export type MemberAddress = { raftAddress: string; httpUrl: string }

export type SignatureRecord = SignatureData & { acceptedAt: number; entryIndex: number }
export type EquivocationRecord = EquivocationData & { recordedAt: number }

export type TaskStatus = 'pending' | 'certified' | 'expired'

export type TaskRecord = {
  taskIndex: bigint
  /** The AVS's task request, as the leader sent it. */
  request: unknown
  task: TaskRowData
  status: TaskStatus
  createdAt: number
  finishedAt: number | null
  digest: Hex | null
  certificate: unknown
  outcome: string | null
  submission: Submission | null
  /** By operator id, in log order. */
  signatures: Map<Hex, SignatureRecord>
  equivocations: EquivocationRecord[]
}

export type ConsensusStateEvent =
  | { kind: 'task'; taskIndex: bigint }
  | { kind: 'signatures'; entryIndex: number; taskIndexes: bigint[] }
  | { kind: 'finished'; taskIndex: bigint; status: Exclude<TaskStatus, 'pending'> }
  | { kind: 'submitted'; taskIndex: bigint; submission: Submission }
  | { kind: 'leader'; leaderId: string; entryIndex: number; term: number }
  /** The whole state was replaced by a snapshot. */
  | { kind: 'restored' }

export type ConsensusStateOptions = {
  /** Finished tasks kept for queries and deduplication (default 1000). */
  retainFinishedTasks?: number | undefined
  onEvent?: ((event: ConsensusStateEvent) => void) | undefined
  /** Told about entries that do not decode (skipped by every member alike). */
  onInvalidEntry?: ((index: number, reason: string) => void) | undefined
}

type SnapshotImage = {
  version: 1
  appliedIndex: number
  prunedThrough: bigint
  lastTaskIndex: bigint | null
  lastLeader: { leaderId: string; entryIndex: number; term: number } | null
  members: [string, MemberAddress][]
  meta: [string, unknown][]
  tasks: (Omit<TaskRecord, 'signatures'> & { signatures: SignatureRecord[] })[]
}

const textDecoder = new TextDecoder('utf-8', { fatal: true })

export class ConsensusState implements RaftStateMachine {
  readonly tasks = new Map<bigint, TaskRecord>()
  readonly members = new Map<string, MemberAddress>()
  readonly meta = new Map<string, unknown>()
  /** Highest task index pruned; -1 when none. */
  prunedThrough = -1n
  lastTaskIndex: bigint | undefined
  lastLeader: { leaderId: string; entryIndex: number; term: number } | undefined
  appliedIndex = 0
  invalidEntries = 0
  private readonly retain: number
  private readonly finished = new Set<bigint>()

  constructor(private readonly options: ConsensusStateOptions = {}) {
    this.retain = options.retainFinishedTasks ?? 1000
  }

  apply(entries: readonly CommittedEntry[]): void {
    for (const committed of entries) {
      const decoded = decodeConsensusEntry(committed.data)
      if ('invalid' in decoded) {
        this.invalidEntries++
        this.options.onInvalidEntry?.(committed.index, decoded.invalid)
      } else {
        this.applyEntry(decoded.entry, committed.index, committed.term)
      }
      this.appliedIndex = committed.index
    }
  }

  snapshot(): Uint8Array {
    const image: SnapshotImage = {
      version: 1,
      appliedIndex: this.appliedIndex,
      prunedThrough: this.prunedThrough,
      lastTaskIndex: this.lastTaskIndex ?? null,
      lastLeader: this.lastLeader ?? null,
      members: [...this.members],
      meta: [...this.meta],
      tasks: [...this.tasks.values()].map((t) => ({ ...t, signatures: [...t.signatures.values()] })),
    }
    return encodeConsensusJson(image)
  }

  restore(snapshot: Snapshot): void {
    const image = decodeConsensusJson(snapshot.data, 'consensus snapshot') as SnapshotImage
    if (image?.version !== 1) throw new Error(`unknown consensus snapshot version ${String(image?.version)}`)
    this.tasks.clear()
    this.members.clear()
    this.meta.clear()
    this.finished.clear()
    for (const [id, address] of image.members) this.members.set(id, address)
    for (const [key, value] of image.meta) this.meta.set(key, value)
    for (const task of image.tasks) {
      const record: TaskRecord = { ...task, signatures: new Map(task.signatures.map((s) => [s.operatorId, s])) }
      this.tasks.set(task.taskIndex, record)
      if (isFinished(record)) this.finished.add(task.taskIndex)
    }
    this.prunedThrough = image.prunedThrough
    this.lastTaskIndex = image.lastTaskIndex ?? undefined
    this.lastLeader = image.lastLeader ?? undefined
    this.appliedIndex = snapshot.metadata.index
    this.emit({ kind: 'restored' })
  }

  /**
   * Records a membership change's addresses (its context is `{"raftAddress","httpUrl"}` JSON). Called by the
   * engine from Raft's `onConfChange`, in log order; idempotent, as Raft requires.
   */
  applyConfChange(change: ConfChange): void {
    if (change.type === 'removeNode') {
      this.members.delete(change.nodeId)
      return
    }
    const address = parseMemberContext(change.context)
    if (address) this.members.set(change.nodeId, address)
  }

  /** Whether a `task` entry for `taskIndex` would be taken (false once known or pruned). */
  isNewTask(taskIndex: bigint): boolean {
    return !this.tasks.has(taskIndex) && taskIndex > this.prunedThrough
  }

  pendingTasks(): TaskRecord[] {
    return [...this.tasks.values()].filter((t) => t.status === 'pending')
  }

  /** Certified tasks whose certificate has no recorded submission yet. */
  unsubmittedTasks(): TaskRecord[] {
    return [...this.tasks.values()].filter((t) => t.status === 'certified' && t.submission === null)
  }

  private applyEntry(entry: ConsensusEntry, index: number, term: number): void {
    switch (entry.kind) {
      case 'leader':
        this.lastLeader = { leaderId: entry.leaderId, entryIndex: index, term }
        this.emit({ kind: 'leader', leaderId: entry.leaderId, entryIndex: index, term })
        return
      case 'task': {
        if (!this.isNewTask(entry.taskIndex)) return
        this.tasks.set(entry.taskIndex, {
          taskIndex: entry.taskIndex,
          request: entry.request,
          task: entry.task,
          status: 'pending',
          createdAt: entry.at,
          finishedAt: null,
          digest: null,
          certificate: null,
          outcome: null,
          submission: null,
          signatures: new Map(),
          equivocations: [],
        })
        if (this.lastTaskIndex === undefined || entry.taskIndex > this.lastTaskIndex) {
          this.lastTaskIndex = entry.taskIndex
        }
        this.emit({ kind: 'task', taskIndex: entry.taskIndex })
        return
      }
      case 'signatures': {
        const touched = new Set<bigint>()
        for (const row of entry.rows) {
          const task = this.tasks.get(row.taskIndex)
          if (task?.status !== 'pending' || task.signatures.has(row.operatorId)) continue
          task.signatures.set(row.operatorId, { ...row, acceptedAt: entry.at, entryIndex: index })
          touched.add(row.taskIndex)
        }
        if (touched.size > 0) this.emit({ kind: 'signatures', entryIndex: index, taskIndexes: [...touched] })
        return
      }
      case 'certified': {
        const task = this.tasks.get(entry.taskIndex)
        if (task?.status !== 'pending') return
        task.status = 'certified'
        task.digest = entry.digest
        task.certificate = entry.certificate
        task.finishedAt = entry.at
        this.emit({ kind: 'finished', taskIndex: entry.taskIndex, status: 'certified' })
        return
      }
      case 'expired': {
        const task = this.tasks.get(entry.taskIndex)
        if (task?.status !== 'pending') return
        task.status = 'expired'
        task.outcome = entry.outcome
        task.finishedAt = entry.at
        this.emit({ kind: 'finished', taskIndex: entry.taskIndex, status: 'expired' })
        this.markFinished(task)
        return
      }
      case 'submitted': {
        const task = this.tasks.get(entry.taskIndex)
        if (task?.status !== 'certified' || task.submission !== null) return
        task.submission = entry.submission
        this.emit({ kind: 'submitted', taskIndex: entry.taskIndex, submission: entry.submission })
        this.markFinished(task)
        return
      }
      case 'equivocation': {
        const task = this.tasks.get(entry.evidence.taskIndex)
        if (!task) return
        const duplicate = task.equivocations.some(
          (e) => e.operatorId === entry.evidence.operatorId && e.secondDigest === entry.evidence.secondDigest,
        )
        if (!duplicate) task.equivocations.push({ ...entry.evidence, recordedAt: entry.at })
        return
      }
      case 'meta':
        this.meta.set(entry.key, entry.value)
        return
    }
  }

  private markFinished(task: TaskRecord): void {
    this.finished.add(task.taskIndex)
    if (this.finished.size <= this.retain) return
    // Oldest first: the smallest task index among the finished ones.
    let oldest: bigint | undefined
    for (const index of this.finished) if (oldest === undefined || index < oldest) oldest = index
    if (oldest === undefined) return
    this.finished.delete(oldest)
    this.tasks.delete(oldest)
    if (oldest > this.prunedThrough) this.prunedThrough = oldest
  }

  private emit(event: ConsensusStateEvent): void {
    this.options.onEvent?.(event)
  }
}

function isFinished(task: TaskRecord): boolean {
  return task.status === 'expired' || (task.status === 'certified' && task.submission !== null)
}

/** Encodes a member's addresses as the context of its membership change. */
export function encodeMemberContext(address: MemberAddress): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ raftAddress: address.raftAddress, httpUrl: address.httpUrl }))
}

export function parseMemberContext(context: Uint8Array): MemberAddress | undefined {
  if (context.length === 0) return undefined
  try {
    const value = JSON.parse(textDecoder.decode(context)) as Partial<MemberAddress>
    if (typeof value.raftAddress === 'string' && typeof value.httpUrl === 'string') {
      return { raftAddress: value.raftAddress, httpUrl: value.httpUrl }
    }
  } catch {
    // A context written by something else: no addresses to learn from it.
  }
  return undefined
}
