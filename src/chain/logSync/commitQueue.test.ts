import type { Hex } from 'viem'
import { describe, expect, test } from 'vitest'
import { createCommitQueue } from './commitQueue.js'
import type { LogBatch, LogRecord } from './types.js'

/** A batch of `logs` placeholder logs covering block `n`. */
function batch(n: number, logs = 1): LogBatch {
  const hash = `0x${n.toString(16).padStart(64, '0')}` as Hex
  return {
    fromBlock: BigInt(n),
    toBlock: BigInt(n),
    logs: Array.from({ length: logs }, () => ({ blockNumber: BigInt(n) }) as LogRecord),
    blocks: [{ number: BigInt(n), hash, parentHash: hash }],
  }
}

/** A commit that waits until released, recording what ran and whether two overlapped. */
function gatedCommits() {
  const started: number[] = []
  const done: number[] = []
  const gates: (() => void)[] = []
  let running = 0
  let overlapped = false
  const commit = async (b: LogBatch) => {
    running++
    if (running > 1) overlapped = true
    started.push(Number(b.fromBlock))
    await new Promise<void>((resolve) => gates.push(resolve))
    done.push(Number(b.fromBlock))
    running--
  }
  const release = async () => {
    for (let i = 0; i < 50 && gates.length === 0; i++) await new Promise((resolve) => setImmediate(resolve))
    gates.shift()?.()
    await new Promise((resolve) => setImmediate(resolve))
  }
  return { commit, release, started, done, overlapped: () => overlapped }
}

describe('createCommitQueue', () => {
  test('commits in push order, one at a time, and drains', async () => {
    const commits = gatedCommits()
    const queue = createCommitQueue({
      commit: commits.commit,
      maxQueuedLogs: 100,
      signal: new AbortController().signal,
    })
    queue.push([batch(1), batch(2)])
    queue.push([batch(3)])
    const drained = queue.drain()
    for (let i = 0; i < 3; i++) await commits.release()
    await drained
    expect(commits.done).toEqual([1, 2, 3])
    expect(commits.overlapped()).toBe(false)
  })

  test('ready waits while maxQueuedLogs logs are queued or committing', async () => {
    const commits = gatedCommits()
    const queue = createCommitQueue({ commit: commits.commit, maxQueuedLogs: 5, signal: new AbortController().signal })
    queue.push([batch(1, 3), batch(2, 3)])
    let ready = false
    const waiting = queue.ready().then(() => {
      ready = true
    })
    await new Promise((resolve) => setImmediate(resolve))
    expect(ready).toBe(false)
    await commits.release()
    await waiting
    expect(ready).toBe(true)
    await commits.release()
    await queue.drain()
  })

  test('a failed commit stops the queue: later batches are not committed, and every wait rejects', async () => {
    const failure = new Error('disk full')
    const committed: number[] = []
    const queue = createCommitQueue({
      commit: async (b) => {
        if (b.fromBlock === 2n) throw failure
        committed.push(Number(b.fromBlock))
      },
      maxQueuedLogs: 100,
      signal: new AbortController().signal,
    })
    queue.push([batch(1), batch(2), batch(3)])
    await expect(queue.failed).rejects.toBe(failure)
    await expect(queue.drain()).rejects.toBe(failure)
    await expect(queue.ready()).rejects.toBe(failure)
    await expect(queue.stop()).rejects.toBe(failure)
    expect(committed).toEqual([1])
  })

  test('an abort drops the batches not started; stop waits for the commit in flight', async () => {
    const commits = gatedCommits()
    const controller = new AbortController()
    const queue = createCommitQueue({ commit: commits.commit, maxQueuedLogs: 1, signal: controller.signal })
    queue.push([batch(1), batch(2), batch(3)])
    await new Promise((resolve) => setImmediate(resolve))
    controller.abort()
    await queue.ready()
    let stopped = false
    const stopping = queue.stop().then(() => {
      stopped = true
    })
    await new Promise((resolve) => setImmediate(resolve))
    expect(stopped).toBe(false)
    await commits.release()
    await stopping
    expect(commits.started).toEqual([1])
    expect(commits.done).toEqual([1])
  })
})
