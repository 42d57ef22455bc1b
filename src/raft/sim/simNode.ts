/**
 * One simulated server: a `RawNode`, a `MemoryStorage` standing for its disk (it only ever holds what a completed
 * write put there), and a tiny state machine (a hash chain over applied entries, snapshotted as such). It handles
 * each `Ready` exactly as the real node runner does: messages before or after the write per `canSendBeforePersist`,
 * the write completing some virtual time later, then apply and `advance`. A crash discards everything not written.
 */
import { decodeConfChange } from '../confChange.js'
import type { Ready } from '../core/rawNode.js'
import { RawNode } from '../core/rawNode.js'
import { canSendBeforePersist } from '../node/readyPolicy.js'
import { MemoryStorage } from '../storage/memoryStorage.js'
import type { ConfState, Message, NodeId, RaftRole } from '../types.js'
import { entryKey, nextStateHash, type SafetyChecker } from './safetyChecker.js'

export type SimNodeConfig = {
  electionTick: number
  heartbeatTick: number
  random: () => number
  unsafeSkipVoteLogCheck: boolean
  /** Take a snapshot after this many applied entries, keeping `compactKeep` entries for slow followers. */
  snapshotEvery: number
  compactKeep: number
}

export type SimHost = {
  checker: SafetyChecker
  send(messages: Message[]): void
  /** Schedules the completion of a disk write `persisted` after some virtual time. */
  scheduleWrite(node: SimNode, incarnation: number): void
  /** The node applied the entry at (index, term): if it proposed it, the client gets its acknowledgement. */
  applied(node: SimNode, index: number, term: number): void
  trace(line: string): void
}

export class SimNode {
  readonly id: NodeId
  readonly disk = new MemoryStorage()
  raw: RawNode
  alive = true
  incarnation = 0
  removed = false
  /** The Ready whose write is in progress. */
  writing: { rd: Ready; late: Message[] } | undefined = undefined
  durableTerm = 0
  stateIndex = 0
  stateHash = 0
  confState: ConfState = { voters: [], learners: [] }
  /** What this node went through, to show the simulation exercises each feature. */
  readonly counters = { elections: 0, snapshotsInstalled: 0, confChanges: 0 }
  private lastRole: RaftRole = 'follower'
  private lastTerm = 0

  constructor(
    id: NodeId,
    private readonly config: SimNodeConfig,
    private readonly host: SimHost,
  ) {
    this.id = id
    this.raw = this.newRawNode()
  }

  private newRawNode(): RawNode {
    return new RawNode({
      id: this.id,
      storage: this.disk,
      electionTick: this.config.electionTick,
      heartbeatTick: this.config.heartbeatTick,
      random: this.config.random,
      applied: this.disk.snapshot().metadata.index,
      unsafeSkipVoteLogCheck: this.config.unsafeSkipVoteLogCheck,
      maxMsgBytes: 256,
      maxInflightMsgs: 8,
      learnerPromotionMaxLag: 8,
    })
  }

  crash(): void {
    this.alive = false
    this.incarnation++
    this.writing = undefined
  }

  /** Restarts from the disk: the state machine from the snapshot, the rest by applying the log again. */
  restart(): void {
    const snapshot = this.disk.snapshot()
    this.restoreState(snapshot.data, snapshot.metadata.index)
    this.confState = snapshot.metadata.confState
    this.durableTerm = this.disk.getHardState().term
    this.raw = this.newRawNode()
    this.lastRole = 'follower'
    this.alive = true
  }

  private restoreState(data: Uint8Array, index: number): void {
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength)
    this.stateIndex = index
    this.stateHash = data.length >= 4 ? view.getUint32(0) : 0
    this.host.checker.stateReached(this.id, index, this.stateHash)
  }

  /** Checks role changes, then starts handling a Ready if none is in progress. */
  afterInput(): void {
    if (!this.alive) return
    const raft = this.raw.raft
    if (raft.role === 'leader' && (this.lastRole !== 'leader' || this.lastTerm !== raft.term)) {
      this.host.checker.leaderElected(this.id, raft.term)
      this.host.checker.leaderHoldsCommitted(this.id, raft.term, raft.log.firstIndex(), (i) => raft.log.term(i))
      this.host.trace(`${this.id} leads term ${raft.term}`)
      this.counters.elections++
    }
    this.lastRole = raft.role
    this.lastTerm = raft.term
    if (this.writing || !this.raw.hasReady()) return
    const rd = this.raw.ready()
    const early = canSendBeforePersist(rd, raft.role, this.durableTerm)
    if (early) this.host.send(rd.messages)
    this.writing = { rd, late: early ? [] : rd.messages }
    this.host.scheduleWrite(this, this.incarnation)
  }

  /** The write of the current Ready completed: it is on disk; send, apply, advance. */
  writeDone(): void {
    const writing = this.writing
    if (!writing || !this.alive) return
    this.writing = undefined
    const { rd } = writing
    const termBefore = rd.snapshot ? [] : rd.entries.map((e) => this.disk.term(e.index))
    this.disk.save(rd)
    if (rd.hardState) this.durableTerm = rd.hardState.term
    this.host.checker.entriesPersisted(this.id, rd.entries, termBefore, (i) => this.disk.term(i))
    this.host.send(writing.late)
    if (rd.snapshot) {
      this.counters.snapshotsInstalled++
      this.restoreState(rd.snapshot.data, rd.snapshot.metadata.index)
      this.confState = rd.snapshot.metadata.confState
    }
    for (const entry of rd.committedEntries) {
      if (entry.index <= this.stateIndex) continue
      if (entry.index !== this.stateIndex + 1) {
        throw new Error(`${this.id} applies index ${entry.index} after ${this.stateIndex}`)
      }
      if (entry.type === 'confChange') {
        const change = decodeConfChange(entry.data)
        if (entry.term > 1) this.counters.confChanges++
        this.confState = this.raw.applyConfChange(change)
        if (change.type === 'removeNode' && change.nodeId === this.id) this.removed = true
      }
      this.stateHash = nextStateHash(this.stateHash, entryKey(entry))
      this.stateIndex = entry.index
      this.host.checker.entryApplied(this.id, entry, this.stateHash)
      this.host.applied(this, entry.index, entry.term)
    }
    this.raw.advance(rd)
    this.maybeSnapshot()
    this.afterInput()
  }

  private maybeSnapshot(): void {
    const snapIndex = this.disk.snapshot().metadata.index
    if (this.stateIndex - snapIndex < this.config.snapshotEvery) return
    const data = new Uint8Array(4)
    new DataView(data.buffer).setUint32(0, this.stateHash)
    this.disk.createSnapshot(this.stateIndex, this.confState, data)
    this.disk.compact(Math.max(this.disk.firstIndex() - 1, this.stateIndex - this.config.compactKeep))
  }
}
