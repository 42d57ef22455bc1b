/**
 * Runs `fn` over `items` with at most `limit` calls in flight, results in input order. Stake sync reads one
 * weight per operator and quorum: a few hundred `eth_call`s that a node answers far faster in parallel than one
 * after another, without opening hundreds of sockets at once.
 */
export async function mapConcurrent<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length)
  let next = 0
  let failed = false
  async function worker(): Promise<void> {
    while (!failed && next < items.length) {
      const index = next++
      try {
        results[index] = await fn(items[index] as T, index)
      } catch (error) {
        // The other workers stop taking items; the first error is the one reported.
        failed = true
        throw error
      }
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker))
  return results
}
