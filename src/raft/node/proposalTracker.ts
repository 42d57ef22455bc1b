/**
 * Proposals waiting for their outcome. A proposal appended at (index, term) is committed exactly when the entry
 * applied at that index has that term; if another term's entry is applied there, a leadership change replaced it
 * (section 5.3) and the proposal was dropped. A snapshot that jumps over the index leaves the outcome unknown.
 */
import { ProposalDroppedError, RaftStoppedError } from '../errors.js'

type Waiter = { term: number; resolve: () => void; reject: (error: Error) => void }

export class ProposalTracker {
  private readonly waiting = new Map<number, Waiter>()
  private lowest = Number.POSITIVE_INFINITY

  get size(): number {
    return this.waiting.size
  }

  /** Resolves when the entry at (index, term) is applied; rejects if another entry is. */
  track(index: number, term: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.set(index, { term, resolve, reject })
      if (index < this.lowest) this.lowest = index
    })
  }

  /** The entry at `index` with `term` was applied. */
  applied(index: number, term: number): void {
    const waiter = this.waiting.get(index)
    if (!waiter) return
    this.waiting.delete(index)
    if (waiter.term === term) waiter.resolve()
    else waiter.reject(new ProposalDroppedError(`proposal at index ${index} was replaced by an entry of term ${term}`))
  }

  /** A snapshot replaced everything up to `index`. */
  skippedTo(index: number): void {
    if (index < this.lowest) return
    for (const [i, waiter] of this.waiting) {
      if (i > index) continue
      this.waiting.delete(i)
      waiter.reject(
        new ProposalDroppedError(`outcome unknown: a snapshot up to index ${index} replaced the proposal at ${i}`),
      )
    }
    this.lowest = Math.min(...this.waiting.keys(), Number.POSITIVE_INFINITY)
  }

  rejectAll(error: Error = new RaftStoppedError()): void {
    for (const waiter of this.waiting.values()) waiter.reject(error)
    this.waiting.clear()
    this.lowest = Number.POSITIVE_INFINITY
  }
}
