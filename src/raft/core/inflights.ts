/**
 * Flow control for pipelined replication (etcd-io/raft's `Inflights`): the last index of every AppendEntries sent
 * to a follower and not yet acknowledged, in a ring of fixed capacity. A full ring pauses replication to that
 * follower until acknowledgements free slots, which bounds the memory and the bytes in flight per peer.
 */
export class Inflights {
  private readonly buffer: number[]
  private start = 0
  count = 0

  constructor(readonly capacity: number) {
    this.buffer = new Array<number>(capacity).fill(0)
  }

  /** Records a message whose last entry is `index`; indices must increase. */
  add(index: number): void {
    if (this.full()) throw new Error('inflights: add to a full window')
    this.buffer[(this.start + this.count) % this.capacity] = index
    this.count++
  }

  /** Frees every message whose last index is at most `index` (acknowledged in one go, section 5.3 pipelining). */
  freeLE(index: number): void {
    while (this.count > 0 && (this.buffer[this.start] as number) <= index) {
      this.start = (this.start + 1) % this.capacity
      this.count--
    }
    if (this.count === 0) this.start = 0
  }

  /** Frees the oldest message (a heartbeat response shows the follower is alive though the ack was lost). */
  freeFirstOne(): void {
    if (this.count === 0) return
    this.start = (this.start + 1) % this.capacity
    this.count--
  }

  full(): boolean {
    return this.count === this.capacity
  }

  reset(): void {
    this.start = 0
    this.count = 0
  }
}
