/**
 * secp256k1 signature verification on worker threads: the aggregator verifies one ECDSA signature per check-in
 * (~0.16 ms each with libsecp256k1 in WebAssembly), which would otherwise take most of the main thread's time,
 * the one that also serves gRPC and writes the pool.
 *
 * Jobs submitted during one turn of the event loop go to a thread as one message (a packed buffer of
 * digest ‖ public key ‖ signature, 161 bytes a job, transferred, not copied); each thread answers with one byte per
 * job. Jobs are spread over the threads by count. The queue is bounded (`maxPending`): beyond it `verify` rejects
 * with `VerifyThreadsBusyError`, which the check-in service answers RESOURCE_EXHAUSTED. A thread that dies fails its
 * jobs (UNAVAILABLE to those operators) and is replaced.
 *
 * The thread's code is a CommonJS script evaluated in the worker (it loads tiny-secp256k1's CommonJS build by
 * absolute path), so the same code runs from the TypeScript sources and from dist/.
 */
import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'
import { BaseError } from '../core/errors.js'

const jobBytes = 32 + 65 + 64

const workerSource = `
const { parentPort, workerData } = require('node:worker_threads')
const secp256k1 = require(workerData.secp256k1)
parentPort.on('message', ({ id, jobs, count }) => {
  const bytes = new Uint8Array(jobs)
  const results = new Uint8Array(count)
  for (let i = 0; i < count; i++) {
    const at = i * ${jobBytes}
    try {
      results[i] = secp256k1.verify(bytes.subarray(at, at + 32), bytes.subarray(at + 32, at + 97), bytes.subarray(at + 97, at + 161)) ? 1 : 0
    } catch {
      results[i] = 0
    }
  }
  parentPort.postMessage({ id, results }, [results.buffer])
})
`

export class VerifyThreadsBusyError extends BaseError {
  override name = 'VerifyThreadsBusyError'
}

export class VerifyThreadFailedError extends BaseError {
  override name = 'VerifyThreadFailedError'
}

export type VerifyThreads = {
  /** Verifies `signature` (r ‖ s) of `digest` by the uncompressed public key `publicKey`. */
  verify(digest: Uint8Array, publicKey: Uint8Array, signature: Uint8Array): Promise<boolean>
  readonly pending: number
  close(): Promise<void>
}

type Job = {
  digest: Uint8Array
  publicKey: Uint8Array
  signature: Uint8Array
  resolve: (ok: boolean) => void
  reject: (error: Error) => void
}

type Thread = {
  worker: Worker
  queued: Job[]
  inFlight: Map<number, Job[]>
  scheduled: boolean
}

/**
 * @example
 * const threads = createVerifyThreads({ threads: 2 })
 * const ok = await threads.verify(digest, publicKey, signature)
 * await threads.close()
 */
export function createVerifyThreads(parameters: { threads: number; maxPending?: number | undefined }): VerifyThreads {
  const secp256k1 = createRequire(import.meta.url).resolve('tiny-secp256k1')
  const maxPending = parameters.maxPending ?? 20_000
  let pending = 0
  let nextBatch = 0
  let turn = 0
  let closed = false

  const spawnThread = (): Thread => {
    const thread: Thread = {
      worker: new Worker(workerSource, { eval: true, workerData: { secp256k1 } }),
      queued: [],
      inFlight: new Map(),
      scheduled: false,
    }
    thread.worker.unref()
    thread.worker.on('message', ({ id, results }: { id: number; results: Uint8Array }) => {
      const jobs = thread.inFlight.get(id)
      if (!jobs) return
      thread.inFlight.delete(id)
      pending -= jobs.length
      for (const [i, job] of jobs.entries()) job.resolve(results[i] === 1)
    })
    const fail = (error: Error) => {
      const lost = [...thread.inFlight.values(), thread.queued].flat()
      thread.inFlight.clear()
      thread.queued = []
      pending -= lost.length
      const failure = new VerifyThreadFailedError('a signature verification thread failed', { cause: error })
      for (const job of lost) job.reject(failure)
      if (!closed) threads[threads.indexOf(thread)] = spawnThread()
    }
    thread.worker.on('error', fail)
    thread.worker.on('exit', (code) => {
      if (!closed) fail(new Error(`exited with code ${code}`))
    })
    return thread
  }

  const threads: Thread[] = Array.from({ length: Math.max(1, parameters.threads) }, spawnThread)

  const flush = (thread: Thread) => {
    thread.scheduled = false
    const jobs = thread.queued
    if (jobs.length === 0) return
    thread.queued = []
    const buffer = new Uint8Array(jobs.length * jobBytes)
    for (const [i, job] of jobs.entries()) {
      buffer.set(job.digest, i * jobBytes)
      buffer.set(job.publicKey, i * jobBytes + 32)
      buffer.set(job.signature, i * jobBytes + 97)
    }
    const id = nextBatch++
    thread.inFlight.set(id, jobs)
    thread.worker.postMessage({ id, jobs: buffer.buffer, count: jobs.length }, [buffer.buffer])
  }

  return {
    verify(digest, publicKey, signature) {
      if (closed) return Promise.reject(new VerifyThreadFailedError('signature verification has stopped'))
      if (pending >= maxPending) {
        return Promise.reject(new VerifyThreadsBusyError(`${pending} signatures are waiting for verification`))
      }
      if (digest.length !== 32 || publicKey.length !== 65 || signature.length !== 64) return Promise.resolve(false)
      const thread = threads[turn++ % threads.length] as Thread
      pending++
      return new Promise<boolean>((resolve, reject) => {
        thread.queued.push({ digest, publicKey, signature, resolve, reject })
        if (!thread.scheduled) {
          thread.scheduled = true
          setImmediate(() => flush(thread))
        }
      })
    },
    get pending() {
      return pending
    },
    async close() {
      closed = true
      await Promise.all(threads.map((thread) => thread.worker.terminate()))
      for (const thread of threads) {
        const lost = [...thread.inFlight.values(), thread.queued].flat()
        for (const job of lost) job.reject(new VerifyThreadFailedError('signature verification has stopped'))
      }
      pending = 0
    },
  }
}
