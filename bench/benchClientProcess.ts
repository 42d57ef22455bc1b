/**
 * A bench's load generator in a second process (so its CPU is not the measured server's): forked with tsx, asked
 * over IPC. Each request carries an id; the client answers `{ id, type, … }`, or `{ id, type: 'error', message }`.
 */
import { type ChildProcess, fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export type BenchClientProcess<request> = {
  child: ChildProcess
  /** Sends `request` and resolves with the client's answer; rejects with its error message. */
  ask<answer>(request: request): Promise<answer>
}

export function forkBenchClient<request extends object>(script: URL): BenchClientProcess<request> {
  const child = fork(fileURLToPath(script), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const replies = new Map<number, (message: { id: number; type: string; message?: string }) => void>()
  let nextId = 0
  child.on('message', (message: { id: number; type: string; message?: string }) => replies.get(message.id)?.(message))
  return {
    child,
    ask: <answer>(request: request) =>
      new Promise<answer>((resolve, reject) => {
        const id = nextId++
        replies.set(id, (message) => {
          replies.delete(id)
          if (message.type === 'error') reject(new Error(`bench client: ${message.message}`))
          else resolve(message as answer)
        })
        child.send({ ...request, id })
      }),
  }
}
