/**
 * Statements of one transaction sent together instead of one after the other. A connection (and PGlite) runs a
 * transaction's statements in the order they were sent, so statements whose inputs do not depend on each other's
 * results need not wait for each other's answers: on a PGlite thread or a remote server, each wait is a round
 * trip, and the backfill's commits are a chain of them.
 *
 * Each step is a function that sends its statements when called. Given the transaction, steps on node-postgres run
 * one after the other instead: it sends a statement only once the one before is answered anyway, and warns about
 * (and, from pg 9 on, refuses) a statement sent on a connection still busy with another.
 *
 * Unlike `Promise.all`, this settles only once every step has: a step that failed first must not let the
 * transaction end (and roll back) while a sibling, still running, goes on to send more, which would then run
 * after the rollback, outside the transaction. Then it throws the first failure, in argument order. One after the
 * other, it stops at the first failure (the transaction is lost anyway) and throws it.
 */
import type { DrizzleExecutor } from './database.js'
import { sendsInTurn } from './transactionConnection.js'

export async function pipelined<const T extends readonly (() => unknown)[]>(
  steps: T,
  tx?: DrizzleExecutor,
): Promise<{ -readonly [K in keyof T]: Awaited<ReturnType<T[K]>> }> {
  type Results = { -readonly [K in keyof T]: Awaited<ReturnType<T[K]>> }
  if (tx && sendsInTurn(tx)) {
    const results: unknown[] = []
    for (const step of steps) results.push(await step())
    return results as Results
  }
  const settled = await Promise.allSettled(steps.map(start))
  const failed = settled.find((result) => result.status === 'rejected')
  if (failed) throw failed.reason
  return settled.map((result) => (result as PromiseFulfilledResult<unknown>).value) as Results
}

/** A step's promise; a step that throws instead fails alone. */
function start(step: () => unknown): unknown {
  try {
    return step()
  } catch (error) {
    return Promise.reject(error)
  }
}
