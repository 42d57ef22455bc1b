/**
 * A running Raft node: the `RawNode` core plus everything it must not contain (etcd-io/raft's `Node` and the
 * raftexample around it): a timer that ticks it every `tickMs`, the write-ahead log, the transport, the state
 * machine and snapshots. One loop owns the core's output: it takes a `Ready`, persists it (one WAL write and one
 * fsync for everything it holds, so proposals that arrive during a write are batched into the next: group
 * commit), sends its messages (a leader before its write completes, see readyPolicy.ts), restores a snapshot,
 * applies committed entries and calls `advance`. Messages from peers and proposals are stepped into the core as
 * they arrive, also while a write is in progress. Nothing in the loop waits on the network: `transport.send`
 * only queues.
 *
 * @example
 * const node = await createRaftNode({ id: 'n1', dataDir, transport, stateMachine, bootstrap: [{ id: 'n1' }] })
 * await node.start()
 * const { index } = await node.propose(new TextEncoder().encode('hello'))
 */
import { setInterval as every } from 'node:timers/promises'
import { InvalidInputError } from '../../core/errors.js'
import type { Logger } from '../../core/logger.js'
import type { Metrics } from '../../core/metrics.js'
import { type ConfChange, decodeConfChange } from '../confChange.js'
import type { RaftConfig } from '../core/raftConfig.js'
import { type RaftStatus, RawNode, type Ready } from '../core/rawNode.js'
import { ConfChangeRejectedError, NotLeaderError, RaftStoppedError, RaftTimeoutError } from '../errors.js'
import { type BootstrapMember, bootstrapEntries } from '../storage/bootstrap.js'
import type { MemoryStorage } from '../storage/memoryStorage.js'
import type { ConfState, Message, NodeId, SoftState } from '../types.js'
import { openWalStorage } from '../wal/openWalStorage.js'
import type { Wal } from '../wal/wal.js'
import { ProposalTracker } from './proposalTracker.js'
import type { CommittedEntry, ConfChangeListener, RaftStateMachine, RaftTransport } from './raftNodeTypes.js'
import { canSendBeforePersist } from './readyPolicy.js'

export type RaftNodeOptions = {
  id: NodeId
  /** Directory of the write-ahead log and snapshots. */
  dataDir: string
  transport: RaftTransport
  stateMachine: RaftStateMachine
  /** Founding members, used only when `dataDir` holds no state yet. Omit to join an existing cluster. */
  bootstrap?: readonly BootstrapMember[] | undefined
  /**
   * Milliseconds per tick (default 10). With the default 30 election ticks and 5 heartbeat ticks: heartbeats
   * every 50 ms and election timeouts drawn from [300, 600) ms. Short ticks spread the randomized timeouts over 30
   * values, so two followers rarely time out together and split the vote (section 5.2); even one split vote
   * keeps a failover under about 1.2 s. For links with round trips above ~30 ms, scale all three up.
   */
  tickMs?: number | undefined
  electionTicks?: number | undefined
  heartbeatTicks?: number | undefined
  /** Take a snapshot after this many applied entries (etcd's default SnapshotCount is 10,000 since v3.2). */
  snapshotEntries?: number | undefined
  /** Entries kept behind a snapshot for slow followers (etcd's DefaultSnapshotCatchUpEntries, 5,000). */
  snapshotCatchUpEntries?: number | undefined
  /** WAL segment size in bytes. */
  segmentBytes?: number | undefined
  /** Further core options (pre-vote, check-quorum, flow control). */
  raft?: Partial<Omit<RaftConfig, 'id' | 'storage' | 'applied' | 'electionTick' | 'heartbeatTick'>> | undefined
  onConfChange?: ConfChangeListener | undefined
  /** Called whenever the leader or this node's role changes. */
  onSoftState?: ((state: SoftState) => void) | undefined
  logger?: Logger | undefined
  metrics?: Metrics | undefined
}

/** Opens the node's storage and restores its state machine; `start()` then begins ticking and serving. */
export async function createRaftNode(options: RaftNodeOptions): Promise<RaftNode> {
  const logger = options.logger?.child({ module: 'raft', node: options.id })
  const opened = await openWalStorage(options.dataDir, { segmentBytes: options.segmentBytes, logger })
  const { wal, storage, contents } = opened
  if (contents.repairedTail) logger?.warn({ repaired: contents.repairedTail }, 'WAL tail repaired after a crash')
  const empty = storage.lastIndex() === 0 && contents.hardState.term === 0
  if (empty && options.bootstrap) {
    const initial = bootstrapEntries(options.bootstrap)
    await wal.save(initial)
    storage.save(initial)
  }
  try {
    const snapshot = storage.snapshot()
    if (snapshot.metadata.index > 0) await options.stateMachine.restore(snapshot)
    return new RaftNode(options, wal, storage, logger)
  } catch (error) {
    await wal.close()
    throw error
  }
}

/** A running Raft node; create it with {@link createRaftNode}. */
export class RaftNode {
  readonly id: NodeId
  private readonly raw: RawNode
  private readonly proposals = new ProposalTracker()
  private readonly controller = new AbortController()
  private wake: (() => void) | undefined
  private loop: Promise<void> | undefined
  private durableTerm: number
  private confState: ConfState
  private soft: SoftState = { lead: '', role: 'follower' }
  private failure: unknown
  private stopped = false
  private readonly leaderWaiters = new Set<() => void>()
  private readonly metrics: Metrics['raft'] | undefined

  constructor(
    private readonly options: RaftNodeOptions,
    private readonly wal: Wal,
    private readonly storage: MemoryStorage,
    private readonly logger: Logger | undefined,
  ) {
    this.id = options.id
    const snapshot = storage.snapshot()
    this.confState = snapshot.metadata.confState
    this.durableTerm = storage.getHardState().term
    this.metrics = options.metrics?.raft
    this.raw = new RawNode({
      ...options.raft,
      id: options.id,
      storage,
      applied: snapshot.metadata.index,
      electionTick: options.electionTicks ?? 30,
      heartbeatTick: options.heartbeatTicks ?? 5,
    })
  }

  /** Starts the transport, the ticker and the Ready loop. */
  async start(): Promise<void> {
    await this.options.transport.start({
      receive: (messages) => this.receive(messages),
      reportUnreachable: (peer) => this.feedback(() => this.raw.reportUnreachable(peer)),
      reportSnapshot: (peer, ok) => this.feedback(() => this.raw.reportSnapshot(peer, ok)),
    })
    this.loop = this.run()
    void this.tick()
  }

  /** Stops ticking, finishes the Ready in progress, stops the transport and closes the WAL. */
  async stop(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    this.controller.abort()
    this.wake?.()
    await this.loop
    await this.options.transport.stop()
    await this.wal.close()
    this.proposals.rejectAll()
  }

  /**
   * Proposes `data` (non-empty) and resolves with its position once it is committed and applied here. Throws
   * `NotLeaderError` (with the leader's id when known) on a follower, and `ProposalDroppedError` when a leader
   * change replaced it before it committed.
   */
  async propose(data: Uint8Array): Promise<{ index: number; term: number }> {
    if (data.length === 0) throw new InvalidInputError('cannot propose an empty entry: empty entries are Raft’s own')
    let proposed: { index: number; term: number }
    try {
      proposed = this.input(() => this.raw.propose(data))
    } catch (error) {
      if (error instanceof NotLeaderError) this.metrics?.proposalsTotal.inc({ node: this.id, outcome: 'not_leader' })
      throw error
    }
    try {
      await this.proposals.track(proposed.index, proposed.term)
    } catch (error) {
      this.metrics?.proposalsTotal.inc({ node: this.id, outcome: 'dropped' })
      throw error
    }
    this.metrics?.proposalsTotal.inc({ node: this.id, outcome: 'committed' })
    return proposed
  }

  /** Proposes a membership change (section 6) and resolves with the new configuration once it is applied here. */
  async proposeConfChange(change: ConfChange): Promise<ConfState> {
    const proposed = this.input(() => this.raw.proposeConfChange(change))
    await this.proposals.track(proposed.index, proposed.term)
    return this.confState
  }

  /**
   * Adds a server the safe way (thesis 4.2.1): as a learner first, then, once its log has caught up with the
   * leader's, as a voter. Resolves with the configuration that makes it a voter. Call on the leader.
   */
  async addMember(nodeId: NodeId, context: Uint8Array = new Uint8Array(), timeoutMs = 60_000): Promise<ConfState> {
    const deadline = Date.now() + timeoutMs
    if (!this.confState.learners.includes(nodeId) && !this.confState.voters.includes(nodeId)) {
      await this.proposeConfChange({ type: 'addLearner', nodeId, context })
    }
    for (;;) {
      if (this.confState.voters.includes(nodeId)) return this.confState
      try {
        return await this.proposeConfChange({ type: 'addVoter', nodeId, context })
      } catch (error) {
        if (!(error instanceof ConfChangeRejectedError) || Date.now() > deadline) throw error
      }
      await new Promise((resolve) => setTimeout(resolve, this.options.tickMs ?? 10))
    }
  }

  /** Removes a server (voter or learner). A leader that removes itself steps down once the change is applied. */
  removeMember(nodeId: NodeId): Promise<ConfState> {
    return this.proposeConfChange({ type: 'removeNode', nodeId, context: new Uint8Array() })
  }

  /** Hands leadership to `to` (thesis 3.10); resolves once this node sees `to` lead, rejects after `timeoutMs`. */
  async transferLeadership(to: NodeId, timeoutMs = 2_000): Promise<void> {
    this.input(() => this.raw.transferLeadership(to))
    await this.waitFor(() => this.soft.lead === to, timeoutMs, `leadership did not move to ${to}`)
  }

  /** Campaigns now instead of waiting for an election timeout (a fresh single-node cluster, tests). */
  campaign(): void {
    this.input(() => this.raw.campaign())
  }

  status(): RaftStatus {
    return this.raw.status()
  }

  /** The leader this node knows of, or '' when none. */
  leaderId(): NodeId {
    return this.soft.lead
  }

  isLeader(): boolean {
    return this.soft.role === 'leader'
  }

  /** Resolves with the leader's id once one is known (rejects after `timeoutMs`). */
  async waitForLeader(timeoutMs = 10_000): Promise<NodeId> {
    await this.waitFor(() => this.soft.lead !== '', timeoutMs, 'no leader elected')
    return this.soft.lead
  }

  private waitFor(done: () => boolean, timeoutMs: number, what: string): Promise<void> {
    if (done()) return Promise.resolve()
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!done()) return
        cleanup()
        resolve()
      }
      const timer = setTimeout(() => {
        cleanup()
        reject(new RaftTimeoutError(`${what} within ${timeoutMs} ms`))
      }, timeoutMs)
      const onAbort = () => {
        cleanup()
        reject(new RaftStoppedError())
      }
      const cleanup = () => {
        clearTimeout(timer)
        this.leaderWaiters.delete(check)
        this.controller.signal.removeEventListener('abort', onAbort)
      }
      this.leaderWaiters.add(check)
      this.controller.signal.addEventListener('abort', onAbort)
    })
  }

  /** Runs `fn` against the core (synchronously, so errors reach the caller) and wakes the loop. */
  private input<T>(fn: () => T): T {
    if (this.failure) throw this.failure
    if (this.controller.signal.aborted) throw new RaftStoppedError()
    const result = fn()
    this.wake?.()
    return result
  }

  /** Transport feedback; ignored once the node stopped or failed. */
  private feedback(fn: () => void): void {
    if (this.failure || this.controller.signal.aborted) return
    fn()
    this.wake?.()
  }

  private receive(messages: readonly Message[]): void {
    if (this.failure || this.controller.signal.aborted) return
    try {
      for (const m of messages) this.raw.step(m)
    } catch (error) {
      this.fail(error)
    }
    this.wake?.()
  }

  private async tick(): Promise<void> {
    try {
      for await (const _ of every(this.options.tickMs ?? 10, undefined, { signal: this.controller.signal })) {
        if (this.failure) return
        this.raw.tick()
        this.wake?.()
      }
    } catch (error) {
      if (!this.controller.signal.aborted) this.fail(error)
    }
  }

  private async run(): Promise<void> {
    while (!this.controller.signal.aborted && !this.failure) {
      if (!this.raw.hasReady()) {
        await new Promise<void>((resolve) => {
          this.wake = resolve
        })
        this.wake = undefined
        continue
      }
      try {
        const rd = this.raw.ready()
        await this.handleReady(rd)
        this.raw.advance(rd)
        await this.maybeSnapshot()
      } catch (error) {
        this.fail(error)
      }
    }
  }

  private fail(error: unknown): void {
    // A failed write or an invariant violation: the node's state is in doubt, so it stops taking part.
    this.failure = error
    this.logger?.error({ err: error }, 'raft node stopped after a fatal error')
    this.proposals.rejectAll(error instanceof Error ? error : new Error(String(error)))
    this.controller.abort()
  }

  private async handleReady(rd: Ready): Promise<void> {
    if (rd.softState) this.onSoftState(rd.softState)
    const early = canSendBeforePersist(rd, this.soft.role, this.durableTerm)
    if (early) this.send(rd.messages)
    // Committed entries this node already holds on disk, untouched by this Ready, are applied while its write is
    // in flight (etcd's raftNode applies in parallel with saving too); the rest wait for the write.
    const firstWritten = rd.snapshot ? 0 : (rd.entries[0]?.index ?? Number.POSITIVE_INFINITY)
    const durable = Math.min(this.storage.lastIndex(), firstWritten - 1)
    const split = rd.committedEntries.findIndex((e) => e.index > durable)
    const applyNow = split === -1 ? rd.committedEntries : rd.committedEntries.slice(0, split)
    const applyAfter = split === -1 ? [] : rd.committedEntries.slice(split)
    if (rd.hardState || rd.entries.length > 0 || rd.snapshot) {
      const stopTimer = this.metrics?.walSyncSeconds.startTimer({ node: this.id })
      const written = this.wal.save(rd, rd.mustSync).then(() => {
        stopTimer?.()
      })
      // Both settle before either failure is raised, so no write is left running unobserved.
      const [write, applied] = await Promise.allSettled([written, this.apply(applyNow)])
      if (write.status === 'rejected') throw write.reason
      if (applied.status === 'rejected') throw applied.reason
      this.storage.save(rd)
      if (rd.hardState) this.durableTerm = rd.hardState.term
    } else {
      await this.apply(applyNow)
    }
    if (!early) this.send(rd.messages)
    if (rd.snapshot) {
      await this.options.stateMachine.restore(rd.snapshot)
      this.confState = rd.snapshot.metadata.confState
      this.proposals.skippedTo(rd.snapshot.metadata.index)
      this.metrics?.snapshotsTotal.inc({ node: this.id, kind: 'installed' })
    }
    await this.apply(applyAfter)
    const status = this.raw.raft
    this.metrics?.term.set({ node: this.id }, status.term)
    this.metrics?.commitIndex.set({ node: this.id }, status.log.committed)
  }

  private async apply(entries: Ready['committedEntries']): Promise<void> {
    if (entries.length === 0) return
    let batch: CommittedEntry[] = []
    const flush = async () => {
      if (batch.length > 0) await this.options.stateMachine.apply(batch)
      batch = []
    }
    for (const entry of entries) {
      if (entry.type === 'confChange') {
        await flush()
        const change = decodeConfChange(entry.data)
        this.confState = this.raw.applyConfChange(change)
        this.options.onConfChange?.(change, this.confState)
      } else if (entry.data.length > 0) {
        batch.push({ index: entry.index, term: entry.term, data: entry.data })
      }
    }
    await flush()
    for (const entry of entries) this.proposals.applied(entry.index, entry.term)
    const last = entries[entries.length - 1]
    if (last) this.metrics?.appliedIndex.set({ node: this.id }, last.index)
    this.metrics?.applyBatchSize.observe({ node: this.id }, entries.length)
  }

  private send(messages: readonly Message[]): void {
    if (messages.length === 0) return
    if (this.metrics) for (const m of messages) this.metrics.messagesSentTotal.inc({ node: this.id, type: m.type })
    this.options.transport.send(messages)
  }

  private onSoftState(state: SoftState): void {
    if (state.lead !== this.soft.lead) this.metrics?.leaderChangesTotal.inc({ node: this.id })
    this.soft = state
    this.metrics?.isLeader.set({ node: this.id }, state.role === 'leader' ? 1 : 0)
    this.logger?.info({ lead: state.lead, role: state.role, term: this.raw.raft.term }, 'raft role changed')
    this.options.onSoftState?.(state)
    for (const check of [...this.leaderWaiters]) check()
  }

  /** Log compaction (section 7): snapshot the state machine every `snapshotEntries` applied entries. */
  private async maybeSnapshot(): Promise<void> {
    const applied = this.raw.raft.log.applied
    const every = this.options.snapshotEntries ?? 10_000
    if (applied - this.storage.snapshot().metadata.index < every) return
    const data = await this.options.stateMachine.snapshot()
    const snapshot = this.storage.createSnapshot(applied, this.confState, data)
    await this.wal.saveSnapshot(snapshot)
    const keep = this.options.snapshotCatchUpEntries ?? 5_000
    if (applied > keep) this.storage.compact(Math.max(this.storage.firstIndex() - 1, applied - keep))
    this.metrics?.snapshotsTotal.inc({ node: this.id, kind: 'taken' })
    this.logger?.debug({ index: applied }, 'snapshot taken')
  }
}
