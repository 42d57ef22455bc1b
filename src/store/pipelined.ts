/**
 * Statements of one transaction sent together instead of one after the other. A connection (and PGlite) runs a
 * transaction's statements in the order they were sent, so statements whose inputs do not depend on each other's
 * results need not wait for each other's answers: on a PGlite thread or a remote server, each wait is a round
 * trip, and the backfill's commits are a chain of them.
 *
 * Unlike `Promise.all`, this settles only once every statement has: a statement that failed first must not let
 * the transaction end (and roll back) while a sibling, still running, goes on to send more, which would then run
 * after the rollback, outside the transaction. Then it throws the first failure, in argument order.
 */
export async function pipelined<const T extends readonly unknown[]>(
  statements: T,
): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const settled = await Promise.allSettled(statements)
  const failed = settled.find((result) => result.status === 'rejected')
  if (failed) throw failed.reason
  return settled.map((result) => (result as PromiseFulfilledResult<unknown>).value) as {
    -readonly [K in keyof T]: Awaited<T[K]>
  }
}
