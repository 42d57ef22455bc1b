/**
 * The safety properties of Raft (paper Figure 3), checked as the simulation runs:
 * - Election Safety: at most one leader per term;
 * - Log Matching: two logs with an entry of the same index and term hold the same entry and agree on the term
 *   before it (by induction, on the whole prefix);
 * - Leader Completeness: a leader's log holds every entry any node has applied (applied entries are committed);
 * - State Machine Safety: no two nodes apply different entries at one index, and every node's state after index i
 *   (whether reached by applying or by restoring a snapshot) is the same;
 * - and, for clients: no acknowledged entry is ever replaced in any log.
 * A violation throws {@link SafetyViolation}; the simulator reports it with the seed.
 */
import type { Entry, NodeId } from '../types.js'

export class SafetyViolation extends Error {
  override name = 'SafetyViolation'
}

/** A stable identity for an entry: its term and payload. */
export function entryKey(entry: Entry): string {
  let text = ''
  for (const byte of entry.data) text += String.fromCharCode(byte)
  return `${entry.term}:${entry.type}:${text}`
}

/** FNV-1a over the previous state and the entry's key: the state machine of the simulated nodes. */
export function nextStateHash(hash: number, key: string): number {
  let h = hash ^ 0x811c9dc5
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

export class SafetyChecker {
  private readonly leaders = new Map<number, NodeId>()
  private readonly logTerms = new Map<number, Map<number, { key: string; prevTerm: number | undefined }>>()
  private readonly applied = new Map<number, { key: string; term: number }>()
  private readonly hashes = new Map<number, number>()
  private readonly acked = new Map<number, string>()
  maxApplied = 0
  maxAcked = 0
  checks = 0

  /** Election Safety. */
  leaderElected(id: NodeId, term: number): void {
    this.checks++
    const existing = this.leaders.get(term)
    if (existing !== undefined && existing !== id) {
      throw new SafetyViolation(`election safety: ${existing} and ${id} both lead term ${term}`)
    }
    this.leaders.set(term, id)
  }

  /**
   * Log Matching and no lost acknowledgement, for entries that just reached a node's disk. `termBefore` gives the
   * terms the disk held at those indices before the write, `termAt` the terms after it.
   */
  entriesPersisted(
    id: NodeId,
    entries: readonly Entry[],
    termBefore: readonly (number | undefined)[],
    termAt: (index: number) => number | undefined,
  ): void {
    for (const [i, entry] of entries.entries()) {
      this.checks++
      const key = entryKey(entry)
      const prevTerm = termAt(entry.index - 1)
      let byTerm = this.logTerms.get(entry.index)
      if (!byTerm) {
        byTerm = new Map()
        this.logTerms.set(entry.index, byTerm)
      }
      const known = byTerm.get(entry.term)
      if (!known) {
        byTerm.set(entry.term, { key, prevTerm })
      } else {
        if (known.key !== key) {
          throw new SafetyViolation(
            `log matching: ${id} stores ${key} at index ${entry.index}, another log has ${known.key}`,
          )
        }
        if (prevTerm !== undefined && known.prevTerm !== undefined && prevTerm !== known.prevTerm) {
          throw new SafetyViolation(
            `log matching: at index ${entry.index - 1} ${id} has term ${prevTerm}, another log ${known.prevTerm}, before the same entry ${key}`,
          )
        }
        if (known.prevTerm === undefined) known.prevTerm = prevTerm
      }
      // A node that does not hold an acknowledged entry may write another at its index (a deposed leader does,
      // in its own term); one that holds it must never replace it.
      const ackedKey = this.acked.get(entry.index)
      if (ackedKey !== undefined && ackedKey !== key && termBefore[i] === this.ackedTerm(entry.index)) {
        throw new SafetyViolation(
          `acknowledged entry lost: ${id} replaced ${ackedKey} at index ${entry.index} with ${key}`,
        )
      }
    }
  }

  /** State Machine Safety, for one applied entry; `hash` is the node's state after it. */
  entryApplied(id: NodeId, entry: Entry, hash: number): void {
    this.checks++
    const key = entryKey(entry)
    const known = this.applied.get(entry.index)
    if (known === undefined) this.applied.set(entry.index, { key, term: entry.term })
    else if (known.key !== key) {
      throw new SafetyViolation(
        `state machine safety: ${id} applied ${key} at index ${entry.index}, another node applied ${known.key}`,
      )
    }
    this.stateReached(id, entry.index, hash)
    if (entry.index > this.maxApplied) this.maxApplied = entry.index
  }

  /** A node's state machine is at `index` with `hash` (after applying, or after restoring a snapshot). */
  stateReached(id: NodeId, index: number, hash: number): void {
    const known = this.hashes.get(index)
    if (known === undefined) this.hashes.set(index, hash)
    else if (known !== hash) {
      throw new SafetyViolation(`state machine safety: ${id}'s state after index ${index} differs from another node's`)
    }
  }

  /** A client was told its entry is committed. */
  acknowledged(entry: Entry): void {
    this.acked.set(entry.index, entryKey(entry))
    if (entry.index > this.maxAcked) this.maxAcked = entry.index
  }

  /** Leader Completeness: a new leader holds every applied entry its log has not compacted. */
  leaderHoldsCommitted(
    id: NodeId,
    term: number,
    firstIndex: number,
    termAt: (index: number) => number | undefined,
  ): void {
    for (let index = Math.max(1, firstIndex); index <= this.maxApplied; index++) {
      this.checks++
      const committed = this.applied.get(index)
      if (committed === undefined) continue
      const ours = termAt(index)
      if (ours !== committed.term) {
        throw new SafetyViolation(
          `leader completeness: ${id}, leader of term ${term}, has ${ours === undefined ? 'no entry' : `term ${ours}`} at committed index ${index} (term ${committed.term})`,
        )
      }
    }
  }

  private ackedTerm(index: number): number | undefined {
    const key = this.acked.get(index)
    return key === undefined ? undefined : Number(key.slice(0, key.indexOf(':')))
  }

  /** Every acknowledged entry, as applied (used by the final convergence check). */
  ackedEntries(): Map<number, string> {
    return this.acked
  }

  appliedKey(index: number): string | undefined {
    return this.applied.get(index)?.key
  }
}
