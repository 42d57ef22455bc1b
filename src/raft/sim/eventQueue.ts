/**
 * The simulator's agenda: events ordered by virtual time, ties broken by insertion order, so that a run is a pure
 * function of its seed. A binary min-heap.
 */
export type Scheduled<E> = { time: number; seq: number; event: E }

export class EventQueue<E> {
  private readonly heap: Scheduled<E>[] = []
  private seq = 0

  get size(): number {
    return this.heap.length
  }

  push(time: number, event: E): void {
    const item = { time, seq: this.seq++, event }
    const heap = this.heap
    heap.push(item)
    let i = heap.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!before(item, heap[parent] as Scheduled<E>)) break
      heap[i] = heap[parent] as Scheduled<E>
      i = parent
    }
    heap[i] = item
  }

  pop(): Scheduled<E> | undefined {
    const heap = this.heap
    const top = heap[0]
    const last = heap.pop()
    if (top === undefined || last === undefined || heap.length === 0) return top
    let i = 0
    for (;;) {
      const left = 2 * i + 1
      if (left >= heap.length) break
      const right = left + 1
      const child =
        right < heap.length && before(heap[right] as Scheduled<E>, heap[left] as Scheduled<E>) ? right : left
      if (!before(heap[child] as Scheduled<E>, last)) break
      heap[i] = heap[child] as Scheduled<E>
      i = child
    }
    heap[i] = last
    return top
  }
}

function before<E>(a: Scheduled<E>, b: Scheduled<E>): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq)
}
