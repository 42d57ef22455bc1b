/**
 * Signed responses that arrive before their task is initialized (an operator can see a new task on chain before
 * the aggregator does). They wait here, bounded in count and time, and are processed the moment the task
 * appears; past the time limit they are answered TASK_UNKNOWN. A full buffer refuses the newest response.
 */
import type { ProcessResult, SignedResponse } from './types.js'

type Waiting = { response: SignedResponse; resolve: (result: ProcessResult) => void; timer: NodeJS.Timeout }

export type EarlyResponses = {
  /** Holds the response; resolves once it is processed, or with TASK_UNKNOWN on timeout or overflow. */
  hold(response: SignedResponse, process: (response: SignedResponse) => Promise<ProcessResult>): Promise<ProcessResult>
  /** Releases every response waiting for `taskIndex` to `process`. */
  release(taskIndex: bigint): void
  readonly size: number
  clear(): void
}

export function createEarlyResponses(parameters: { capacity: number; timeoutMs: number }): EarlyResponses {
  const waiting = new Map<bigint, { items: Waiting[]; process: (r: SignedResponse) => Promise<ProcessResult> }>()
  let size = 0

  const unknown = (taskIndex: bigint, why: string): ProcessResult => ({
    status: 'rejected',
    code: 'TASK_UNKNOWN',
    message: `task ${taskIndex} is not known to the aggregator (${why})`,
  })

  return {
    get size() {
      return size
    },
    hold(response, process) {
      if (size >= parameters.capacity) {
        return Promise.resolve(unknown(response.taskIndex, 'the buffer for early responses is full'))
      }
      return new Promise((resolve) => {
        let entry = waiting.get(response.taskIndex)
        if (!entry) {
          entry = { items: [], process }
          waiting.set(response.taskIndex, entry)
        }
        const item: Waiting = {
          response,
          resolve,
          timer: setTimeout(() => {
            const current = waiting.get(response.taskIndex)
            if (!current) return
            current.items = current.items.filter((i) => i !== item)
            if (current.items.length === 0) waiting.delete(response.taskIndex)
            size--
            resolve(unknown(response.taskIndex, `it did not appear within ${parameters.timeoutMs} ms`))
          }, parameters.timeoutMs),
        }
        entry.items.push(item)
        size++
      })
    },
    release(taskIndex) {
      const entry = waiting.get(taskIndex)
      if (!entry) return
      waiting.delete(taskIndex)
      for (const item of entry.items) {
        clearTimeout(item.timer)
        size--
        entry
          .process(item.response)
          .then(item.resolve, (error: unknown) =>
            item.resolve({ status: 'rejected', code: 'MALFORMED', message: String(error) }),
          )
      }
    },
    clear() {
      for (const [taskIndex, entry] of waiting) {
        for (const item of entry.items) {
          clearTimeout(item.timer)
          item.resolve(unknown(taskIndex, 'the aggregator is stopping'))
        }
      }
      waiting.clear()
      size = 0
    },
  }
}
