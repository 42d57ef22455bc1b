/**
 * A deterministic simulation of a Raft cluster under faults, in virtual time. Everything random (message delays,
 * loss, duplication, reordering, partitions, crashes, restarts, membership changes, leadership transfers, client
 * proposals, election timeouts) is drawn from one seeded generator, and events run in (time, insertion) order, so
 * a seed replays exactly. The safety properties are checked after every event (safetyChecker.ts); at the end the
 * faults stop and the cluster must converge: one leader, every acknowledged entry applied on every member.
 *
 * Replay one seed: `RAFT_SEED=<seed> npx vitest run src/raft/sim/simulation.test.ts` (add `RAFT_TRACE=1` for
 * the event trace).
 */
import { ConfChangeRejectedError, NotLeaderError, ProposalDroppedError } from '../errors.js'
import { bootstrapEntries, membersOf } from '../storage/bootstrap.js'
import type { Message, NodeId } from '../types.js'
import { EventQueue } from './eventQueue.js'
import { createPrng, type Prng } from './prng.js'
import { SafetyChecker } from './safetyChecker.js'
import { type SimHost, SimNode } from './simNode.js'

export type SimulationOptions = {
  seed: number
  /** Virtual milliseconds of faults before the convergence phase. Default 2,000. */
  faultMs?: number
  /** Virtual milliseconds the cluster gets to converge once faults stop. Default 3,000. */
  settleMs?: number
  /** Test-only: disable the election restriction on every node (see RaftConfig). */
  unsafeSkipVoteLogCheck?: boolean
  trace?: ((line: string) => void) | undefined
}

export type SimulationResult = {
  seed: number
  /** The first violated property, or why the cluster did not converge. */
  violation: string | undefined
  stats: SimulationStats
}

export type SimulationStats = {
  events: number
  messages: number
  /** Client proposals acknowledged (applied by the leader that accepted them). */
  acked: number
  /** Highest index applied by any node. */
  applied: number
  crashes: number
  partitions: number
  elections: number
  snapshotsInstalled: number
  confChanges: number
  transfers: number
  checks: number
}

type SimEvent =
  | { kind: 'tick'; node: SimNode }
  | { kind: 'deliver'; message: Message }
  | { kind: 'write'; node: SimNode; incarnation: number }
  | { kind: 'restart'; node: SimNode }
  | { kind: 'heal' }
  | { kind: 'chaos' }
  | { kind: 'client' }

const tickMs = 10

export function runSimulation(options: SimulationOptions): SimulationResult {
  return new Simulation(options).run()
}

class Simulation implements SimHost {
  readonly checker = new SafetyChecker()
  private readonly prng: Prng
  private readonly queue = new EventQueue<SimEvent>()
  private readonly nodes = new Map<NodeId, SimNode>()
  private readonly partition = new Map<NodeId, number>()
  private readonly pending = new Map<string, Map<number, { term: number; data: string }>>()
  private now = 0
  private faults = true
  private proposals = 0
  private readonly loss: number
  private readonly duplication: number
  private readonly reorder: number
  private readonly stats: SimulationStats = {
    events: 0,
    messages: 0,
    acked: 0,
    applied: 0,
    crashes: 0,
    partitions: 0,
    elections: 0,
    snapshotsInstalled: 0,
    confChanges: 0,
    transfers: 0,
    checks: 0,
  }

  constructor(private readonly options: SimulationOptions) {
    this.prng = createPrng(options.seed)
    const p = this.prng
    this.loss = p.pick([0, 0.01, 0.05, 0.2])
    this.duplication = p.pick([0, 0.02, 0.1])
    this.reorder = p.pick([0, 0.1, 0.3])
    const voters = Array.from({ length: p.chance(0.5) ? 3 : 5 }, (_, i) => `n${i + 1}`)
    const spares = Array.from({ length: 1 + p.int(2) }, (_, i) => `n${voters.length + i + 1}`)
    const config = {
      electionTick: 10,
      heartbeatTick: 1,
      random: p.next,
      unsafeSkipVoteLogCheck: options.unsafeSkipVoteLogCheck ?? false,
      snapshotEvery: 8 + p.int(40),
      compactKeep: p.int(6),
    }
    const bootstrap = bootstrapEntries(membersOf({ voters, learners: [] }))
    for (const id of [...voters, ...spares]) {
      const node = new SimNode(id, config, this)
      if (voters.includes(id)) {
        node.disk.save(bootstrap)
        node.restart()
      }
      this.nodes.set(id, node)
      this.queue.push(1 + p.int(tickMs), { kind: 'tick', node })
    }
    this.queue.push(p.int(100), { kind: 'chaos' })
    this.queue.push(p.int(20), { kind: 'client' })
  }

  trace(line: string): void {
    this.options.trace?.(`${this.now.toFixed(1).padStart(8)} ${line}`)
  }

  run(): SimulationResult {
    const faultMs = this.options.faultMs ?? 2_000
    const end = faultMs + (this.options.settleMs ?? 3_000)
    let violation: string | undefined
    try {
      for (;;) {
        const next = this.queue.pop()
        if (!next) break
        this.now = next.time
        if (this.faults && this.now >= faultMs) this.stopFaults()
        if (!this.faults && this.converged()) break
        if (this.now > end) {
          violation = `liveness: no convergence ${end - faultMs} ms after faults stopped (${this.describe()})`
          break
        }
        this.stats.events++
        this.handle(next.event)
      }
    } catch (error) {
      violation = error instanceof Error ? `${error.name}: ${error.message}` : String(error)
    }
    this.stats.checks = this.checker.checks
    this.stats.applied = this.checker.maxApplied
    for (const node of this.nodes.values()) {
      this.stats.elections += node.counters.elections
      this.stats.snapshotsInstalled += node.counters.snapshotsInstalled
      this.stats.confChanges += node.counters.confChanges
    }
    return { seed: this.options.seed, violation, stats: this.stats }
  }

  private handle(event: SimEvent): void {
    switch (event.kind) {
      case 'tick': {
        const node = event.node
        if (node.alive) {
          node.raw.tick()
          node.afterInput()
        }
        this.queue.push(this.now + tickMs, event)
        return
      }
      case 'deliver': {
        const m = event.message
        const to = this.nodes.get(m.to)
        const delivered = to?.alive === true && !this.cut(m.from, m.to)
        if (m.type === 'snap') this.reportSnapshot(m, delivered)
        if (!delivered) return
        to.raw.step(m)
        to.afterInput()
        return
      }
      case 'write':
        if (event.node.incarnation === event.incarnation) event.node.writeDone()
        return
      case 'restart':
        if (event.node.alive) return
        this.trace(`${event.node.id} restarts`)
        event.node.restart()
        event.node.afterInput()
        return
      case 'heal':
        this.partition.clear()
        this.trace('partition healed')
        return
      case 'chaos':
        if (!this.faults) return
        this.chaos()
        this.queue.push(this.now + 20 + this.prng.int(200), event)
        return
      case 'client':
        this.propose()
        this.queue.push(this.now + 2 + this.prng.int(25), event)
        return
    }
  }

  send(messages: Message[]): void {
    for (const m of messages) {
      this.stats.messages++
      if (this.faults && this.prng.chance(this.loss)) {
        if (m.type === 'snap') this.reportSnapshot(m, false)
        continue
      }
      const copies = this.faults && this.prng.chance(this.duplication) ? 2 : 1
      for (let i = 0; i < copies; i++) {
        const late = this.faults && this.prng.chance(this.reorder)
        this.queue.push(this.now + 1 + this.prng.int(late ? 60 : 5), { kind: 'deliver', message: m })
      }
    }
  }

  /** The transport's feedback on a snapshot (RawNode.reportSnapshot), as the gRPC transport gives it. */
  private reportSnapshot(m: Message, ok: boolean): void {
    const sender = this.nodes.get(m.from)
    if (!sender?.alive) return
    sender.raw.reportSnapshot(m.to, ok)
    sender.afterInput()
  }

  scheduleWrite(node: SimNode, incarnation: number): void {
    this.queue.push(this.now + 0.2 + this.prng.next() * 3, { kind: 'write', node, incarnation })
  }

  applied(node: SimNode, index: number, term: number): void {
    const pending = this.pending.get(`${node.id}#${node.incarnation}`)
    const proposal = pending?.get(index)
    if (!pending || !proposal) return
    pending.delete(index)
    if (proposal.term !== term) return
    this.stats.acked++
    this.checker.acknowledged({ index, term, type: 'normal', data: new TextEncoder().encode(proposal.data) })
  }

  private cut(from: NodeId, to: NodeId): boolean {
    return (this.partition.get(from) ?? 0) !== (this.partition.get(to) ?? 0)
  }

  private leaders(): SimNode[] {
    return [...this.nodes.values()].filter((n) => n.alive && n.raw.raft.role === 'leader')
  }

  private propose(): void {
    const leaders = this.leaders()
    if (leaders.length === 0) return
    const leader = this.prng.pick(leaders)
    const data = `p${++this.proposals}`
    try {
      const { index, term } = leader.raw.propose(new TextEncoder().encode(data))
      const key = `${leader.id}#${leader.incarnation}`
      const pending = this.pending.get(key) ?? new Map()
      this.pending.set(key, pending)
      pending.set(index, { term, data })
    } catch (error) {
      if (!(error instanceof ProposalDroppedError || error instanceof NotLeaderError)) throw error
    }
    leader.afterInput()
  }

  private chaos(): void {
    const p = this.prng
    const all = [...this.nodes.values()]
    const roll = p.next()
    const alive = all.filter((n) => n.alive)
    if (roll < 0.3 && alive.length > 0) {
      const node = p.pick(alive)
      this.stats.crashes++
      this.trace(`${node.id} crashes`)
      node.crash()
      this.queue.push(this.now + 20 + p.int(400), { kind: 'restart', node })
    } else if (roll < 0.5) {
      this.partition.clear()
      for (const node of all) this.partition.set(node.id, p.int(2))
      this.stats.partitions++
      this.trace(`partition ${all.map((n) => `${n.id}:${this.partition.get(n.id)}`).join(' ')}`)
      this.queue.push(this.now + 50 + p.int(600), { kind: 'heal' })
    } else if (roll < 0.8) {
      this.changeMembership()
    } else {
      const leader = this.leaders()[0]
      if (!leader) return
      const target = p.pick(leader.confState.voters)
      this.trace(`${leader.id} transfers leadership to ${target}`)
      this.stats.transfers++
      try {
        leader.raw.transferLeadership(target)
      } catch (error) {
        if (!(error instanceof ConfChangeRejectedError || error instanceof NotLeaderError)) throw error
      }
      leader.afterInput()
    }
  }

  private changeMembership(): void {
    const p = this.prng
    const leader = this.leaders()[0]
    if (!leader) return
    const { voters, learners } = leader.confState
    const joiners = [...this.nodes.values()].filter(
      (n) => !n.removed && !voters.includes(n.id) && !learners.includes(n.id) && n.disk.lastIndex() === 0,
    )
    const options: (() => { type: 'addLearner' | 'addVoter' | 'removeNode'; nodeId: NodeId } | undefined)[] = [
      () => (joiners.length > 0 ? { type: 'addLearner', nodeId: p.pick(joiners).id } : undefined),
      () => (learners.length > 0 ? { type: 'addVoter', nodeId: p.pick(learners) } : undefined),
      () => (voters.length > 3 ? { type: 'removeNode', nodeId: p.pick(voters) } : undefined),
    ]
    const change = p.pick(options)()
    if (!change) return
    try {
      leader.raw.proposeConfChange({ ...change, context: new Uint8Array() })
      this.trace(`${leader.id} proposes ${change.type} ${change.nodeId}`)
    } catch (error) {
      const refused =
        error instanceof ConfChangeRejectedError ||
        error instanceof NotLeaderError ||
        error instanceof ProposalDroppedError
      if (!refused) throw error
    }
    leader.afterInput()
  }

  private stopFaults(): void {
    this.faults = false
    this.partition.clear()
    for (const node of this.nodes.values()) {
      if (!node.alive) {
        node.restart()
        node.afterInput()
      }
    }
    this.trace('faults stop')
  }

  /** One live leader whose every member applied everything it committed, which covers every acknowledgement. */
  private converged(): boolean {
    const leaders = this.leaders().filter((n) => !n.removed)
    if (leaders.length !== 1) return false
    const leader = leaders[0] as SimNode
    const commit = leader.raw.raft.log.committed
    if (commit < this.checker.maxAcked || commit < this.checker.maxApplied) return false
    if (leader.raw.raft.log.term(commit) !== leader.raw.raft.term) return false
    const { voters, learners } = leader.confState
    return [...voters, ...learners].every((id) => (this.nodes.get(id)?.stateIndex ?? 0) >= commit)
  }

  private describe(): string {
    return [...this.nodes.values()]
      .map((n) => {
        const r = n.raw.raft
        return `${n.id}:${n.alive ? r.role : 'down'} t${r.term} c${r.log.committed} a${n.stateIndex}${n.removed ? ' removed' : ''}`
      })
      .join(', ')
  }
}
