/**
 * Follows the TaskManager: every poll reads `NewTaskCreated` from the last block seen to the head and hands each
 * task to `onTask` in order. The cursor only moves past a range once every task in it was handled, so a failing
 * handler (or node) means a retry with backoff, never a skipped task.
 */
import type { Address } from 'viem'
import type { Logger } from '../core/logger.js'
import { sleep } from '../core/sleep.js'
import type { ChainClient } from './clients.js'
import { getNewTasks, type NewTask } from './taskManager.js'

export type FollowNewTasksParameters = {
  client: ChainClient
  taskManager: Address
  /** First block to read. */
  fromBlock: bigint
  onTask: (task: NewTask) => Promise<void>
  /** Called with the head after each poll. */
  onBlock?: ((blockNumber: bigint) => void) | undefined
  pollIntervalMs?: number | undefined
  signal: AbortSignal
  logger: Logger
}

/** Runs until `signal` aborts. */
export async function followNewTasks(parameters: FollowNewTasksParameters): Promise<void> {
  const { client, signal, logger } = parameters
  const interval = parameters.pollIntervalMs ?? 1000
  let cursor = parameters.fromBlock
  let backoff = interval
  while (!signal.aborted) {
    try {
      const head = await client.getBlockNumber()
      if (head >= cursor) {
        const tasks = await getNewTasks({
          client,
          taskManager: parameters.taskManager,
          fromBlock: cursor,
          toBlock: head,
        })
        for (const task of tasks) {
          if (signal.aborted) return
          await parameters.onTask(task)
        }
        cursor = head + 1n
      }
      parameters.onBlock?.(head)
      backoff = interval
      await sleep(interval, signal)
    } catch (error) {
      if (signal.aborted) return
      logger.warn({ err: error, fromBlock: cursor, retryInMs: backoff }, 'following new tasks failed; retrying')
      await sleep(backoff, signal)
      backoff = Math.min(backoff * 2, 30_000)
    }
  }
}
