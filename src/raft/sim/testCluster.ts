/**
 * A synchronous in-memory cluster of `RawNode`s for scenario tests (etcd-io/raft's test `network`): no time passes
 * unless a test ticks a node, and `stabilize()` persists, applies and delivers until nothing is left to do.
 * Messages can be dropped by a filter or by isolating nodes. Storage is a `MemoryStorage` per node standing for its
 * disk, so `restart(id)` keeps exactly what was persisted.
 */
import { type ConfChange, decodeConfChange } from '../confChange.js'
import type { RaftConfig } from '../core/raftConfig.js'
import { RawNode } from '../core/rawNode.js'
import { bootstrapEntries, membersOf } from '../storage/bootstrap.js'
import { MemoryStorage } from '../storage/memoryStorage.js'
import type { ConfState, Entry, HardState, Message, NodeId } from '../types.js'
import { createPrng } from './prng.js'

export type TestClusterOptions = Partial<Omit<RaftConfig, 'id' | 'storage'>> & {
  /** Seed for election timeouts. */
  seed?: number
  /** Voters of the initial configuration; defaults to every id. */
  voters?: NodeId[]
  learners?: NodeId[]
}

export type TestMember = {
  id: NodeId
  raw: RawNode
  storage: MemoryStorage
  /** Payloads of the non-empty normal entries applied, in order: the state machine. Snapshots hold it as JSON. */
  texts: string[]
  confState: ConfState
}

export class TestCluster {
  readonly members = new Map<NodeId, TestMember>()
  /** Messages for which this returns true are dropped. */
  filter: (m: Message) => boolean = () => false
  private readonly isolated = new Set<NodeId>()
  private readonly options: TestClusterOptions
  private readonly random: () => number
  private inFlight: Message[] = []

  constructor(ids: NodeId[], options: TestClusterOptions = {}) {
    this.options = options
    this.random = createPrng(options.seed ?? 1).next
    const conf: ConfState = { voters: options.voters ?? ids, learners: options.learners ?? [] }
    const bootstrap = bootstrapEntries(membersOf(conf))
    for (const id of ids) {
      const storage = new MemoryStorage()
      storage.save(bootstrap)
      this.addMember(id, storage)
    }
    // Apply the bootstrap configuration everywhere.
    this.stabilize()
  }

  /** Adds a node; by default with an empty log, waiting to be added to the configuration. */
  addMember(id: NodeId, storage = new MemoryStorage()): TestMember {
    const member = {
      id,
      storage,
      texts: [],
      confState: { voters: [], learners: [] },
      raw: this.newRawNode(id, storage, 0),
    }
    this.members.set(id, member)
    return member
  }

  /**
   * Replaces a member's disk with a log made of `entries` and the configuration `conf` (held by a snapshot at
   * index 0, as if the cluster had been bootstrapped before them), then restarts it.
   */
  replaceLog(id: NodeId, conf: ConfState, entries: Entry[], hardState: HardState): void {
    const storage = new MemoryStorage()
    storage.applySnapshot({ metadata: { index: 0, term: 0, confState: conf }, data: new Uint8Array() })
    storage.save({ entries, hardState })
    this.get(id).storage = storage
    this.restart(id)
  }

  private newRawNode(id: NodeId, storage: MemoryStorage, applied: number): RawNode {
    const { seed: _seed, voters: _voters, learners: _learners, ...config } = this.options
    return new RawNode({
      electionTick: 10,
      heartbeatTick: 1,
      random: this.random,
      ...config,
      id,
      storage,
      applied,
    })
  }

  /** Crash and restart: only persisted state survives; the state machine restarts from the snapshot. */
  restart(id: NodeId): void {
    const member = this.get(id)
    const snapshot = member.storage.snapshot()
    const snapshotIndex = snapshot.metadata.index
    member.texts = decodeTexts(snapshot.data)
    member.confState = snapshot.metadata.confState
    member.raw = this.newRawNode(id, member.storage, snapshotIndex)
    // Committed entries after the snapshot (conf changes included) are applied again by the next Ready.
    this.inFlight = this.inFlight.filter((m) => m.to !== id && m.from !== id)
  }

  get(id: NodeId): TestMember {
    const member = this.members.get(id)
    if (!member) throw new Error(`no member ${id}`)
    return member
  }

  raw(id: NodeId): RawNode {
    return this.get(id).raw
  }

  isolate(id: NodeId): void {
    this.isolated.add(id)
  }

  heal(): void {
    this.isolated.clear()
    this.filter = () => false
  }

  tick(id: NodeId, times = 1): void {
    for (let i = 0; i < times; i++) this.raw(id).tick()
  }

  /** Ticks every node `times` times, stabilizing after each round. */
  tickAll(times: number): void {
    for (let i = 0; i < times; i++) {
      for (const member of this.members.values()) member.raw.tick()
      this.stabilize()
    }
  }

  campaign(id: NodeId): void {
    this.stabilize()
    this.raw(id).campaign()
    this.stabilize()
  }

  propose(id: NodeId, text: string): { index: number; term: number } {
    const proposed = this.raw(id).propose(new TextEncoder().encode(text))
    this.stabilize()
    return proposed
  }

  proposeConfChange(id: NodeId, change: Omit<ConfChange, 'context'>): void {
    this.raw(id).proposeConfChange({ ...change, context: new Uint8Array() })
    this.stabilize()
  }

  /** Injects a message as if it arrived from the network. */
  deliver(m: Message): void {
    this.raw(m.to).step(m)
    this.stabilize()
  }

  leader(): NodeId | undefined {
    for (const [id, member] of this.members) if (member.raw.raft.role === 'leader') return id
    return undefined
  }

  /** Handles every Ready and delivers every message until the cluster is quiet. */
  stabilize(maxRounds = 10_000): void {
    for (let round = 0; round < maxRounds; round++) {
      let busy = false
      for (const member of this.members.values()) {
        if (!member.raw.hasReady()) continue
        busy = true
        this.handleReady(member)
      }
      const messages = this.inFlight
      this.inFlight = []
      for (const m of messages) {
        if (this.isolated.has(m.from) || this.isolated.has(m.to) || this.filter(m)) continue
        const to = this.members.get(m.to)
        if (!to) continue
        busy = true
        to.raw.step(m)
      }
      if (!busy) return
    }
    throw new Error('test cluster did not stabilize')
  }

  private handleReady(member: TestMember): void {
    const rd = member.raw.ready()
    member.storage.save(rd)
    this.inFlight.push(...rd.messages)
    if (rd.snapshot) {
      member.texts = decodeTexts(rd.snapshot.data)
      member.confState = rd.snapshot.metadata.confState
    }
    for (const entry of rd.committedEntries) {
      if (entry.type === 'confChange') member.confState = member.raw.applyConfChange(decodeConfChange(entry.data))
      else if (entry.data.length > 0) member.texts.push(new TextDecoder().decode(entry.data))
    }
    member.raw.advance(rd)
  }

  /** Text of each non-empty normal entry a member applied. */
  appliedTexts(id: NodeId): string[] {
    return this.get(id).texts
  }

  /** Takes a snapshot of `id`'s state at its applied index and compacts its log up to `compactTo`. */
  snapshotAndCompact(id: NodeId, compactTo?: number): void {
    const member = this.get(id)
    const applied = member.raw.raft.log.applied
    const data = new TextEncoder().encode(JSON.stringify(this.appliedTexts(id)))
    member.storage.createSnapshot(applied, member.confState, data)
    member.storage.compact(compactTo ?? applied)
  }
}

function decodeTexts(data: Uint8Array): string[] {
  return data.length === 0 ? [] : (JSON.parse(new TextDecoder().decode(data)) as string[])
}
