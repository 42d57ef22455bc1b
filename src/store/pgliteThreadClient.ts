/**
 * An on-disk PGlite on a thread of its own, behind a client with the part of PGlite's interface that avskit and
 * drizzle's `pglite` driver use: `query` (with `rowMode` and per-type `parsers`), `transaction` (with COPY),
 * `listen` and `close`.
 *
 * Why a thread: PGlite is Postgres compiled to WebAssembly and runs synchronously on the thread that calls it.
 * In the service's own thread, every statement stops its event loop (a backfill's COPY of 5,000 rows holds it
 * for about 25 ms), and what the service does besides (decoding the next logs, answering WebSockets, gRPC and
 * Raft heartbeats) waits. On its own thread, Postgres and the service run side by side. Measured on the exporter
 * backfill (`bench/exporter.bench.ts`): see bench/RESULTS.md.
 *
 * Parsers are functions and cannot cross threads: the thread returns the values of the types given `parsers` as
 * the text Postgres sent, and the client parses them here. The thread's own parsers are PGlite's, with int8 as a
 * string (as node-postgres returns it).
 */
import { Worker } from 'node:worker_threads'
import type { Results } from '@electric-sql/pglite'
import { DatabaseConnectionError } from './databaseErrors.js'
import type { PgliteThreadData } from './pgliteThread.js'
import {
  deserializeError,
  type PgliteThreadCall,
  type PgliteThreadMessage,
  type PgliteThreadRequest,
} from './pgliteThreadProtocol.js'

export type PgliteQueryOptions = {
  rowMode?: 'array' | 'object'
  parsers?: Record<number, (value: string, type: number) => unknown>
}

/** What a transaction callback gets: statements in that transaction. */
export type PgliteThreadTransaction = {
  query<row>(sql: string, params?: unknown[], options?: PgliteQueryOptions): Promise<Results<row>>
  /** `COPY table (columns) FROM` rows in COPY's binary format (`copyBinary.ts`). */
  copyFrom(table: string, columns: string, rows: Uint8Array): Promise<Results<unknown>>
}

export type PgliteThreadClient = {
  query<row>(sql: string, params?: unknown[], options?: PgliteQueryOptions): Promise<Results<row>>
  transaction<T>(fn: (tx: PgliteThreadTransaction) => Promise<T>): Promise<T>
  listen(channel: string, handler: (payload: string) => void): Promise<() => Promise<void>>
  close(): Promise<void>
}

type Pending = { resolve: (value: unknown) => void; reject: (error: Error) => void }

/**
 * Starts the thread and opens PGlite in `folder` there; rejects with PGlite's error when it cannot.
 *
 * @example
 * const client = await startPgliteThread('/var/lib/avskit/pglite')
 * const { rows } = await client.query('select 1 as one')
 */
export async function startPgliteThread(folder: string): Promise<PgliteThreadClient> {
  const worker = startWorker({ folder })
  const pending = new Map<number, Pending>()
  const listeners = new Map<number, (payload: string) => void>()
  let nextId = 1
  let stopped: Error | undefined

  const opened = new Promise<void>((resolve, reject) => {
    worker.on('message', (message: PgliteThreadMessage) => {
      if ('opened' in message) resolve()
      else if ('openError' in message) reject(deserializeError(message.openError))
      else if ('notify' in message) listeners.get(message.notify)?.(message.payload)
      else {
        const call = pending.get(message.id)
        pending.delete(message.id)
        if ('error' in message) call?.reject(deserializeError(message.error))
        else call?.resolve(message.result)
      }
    })
    const stop = (error: Error) => {
      stopped ??= error
      reject(error)
      for (const call of pending.values()) call.reject(error)
      pending.clear()
    }
    worker.on('error', (error) => stop(new DatabaseConnectionError('the PGlite thread failed', { cause: error })))
    worker.on('exit', (code) => stop(new DatabaseConnectionError(`the PGlite thread exited (code ${code})`)))
  })

  function call<T>(request: PgliteThreadCall): Promise<T> {
    if (stopped) return Promise.reject(stopped)
    const id = nextId++
    return new Promise<T>((resolve, reject) => {
      const message: PgliteThreadRequest = { ...request, id }
      // Throws (rejecting this promise) when a parameter cannot be cloned; the answer comes later, as a message.
      worker.postMessage(message)
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject })
    })
  }

  async function query<row>(
    sql: string,
    params: unknown[] | undefined,
    options: PgliteQueryOptions | undefined,
    tx: number | undefined,
  ): Promise<Results<row>> {
    const parsers = options?.parsers
    const result = await call<Results<row>>({
      op: 'query',
      sql,
      params,
      textTypes: parsers && Object.keys(parsers).map(Number),
      rowMode: options?.rowMode,
      tx,
    })
    if (parsers) applyParsers(result, parsers)
    return result
  }

  try {
    await opened
  } catch (error) {
    await worker.terminate()
    throw error
  }

  return {
    query: (sql, params, options) => query(sql, params, options, undefined),
    async transaction(fn) {
      // Named here, so the statements can follow `begin` at once: a transaction costs no round trip of its own.
      const tx = nextId++
      call({ op: 'begin', tx }).catch(() => {})
      let result: Awaited<ReturnType<typeof fn>>
      try {
        result = await fn({
          query: (sql, params, options) => query(sql, params, options, tx),
          copyFrom: (table, columns, rows) => call({ op: 'copy', table, columns, rows, tx }),
        })
      } catch (error) {
        await call({ op: 'end', tx, commit: false }).catch(() => {})
        throw error
      }
      await call({ op: 'end', tx, commit: true })
      return result
    },
    async listen(channel, handler) {
      const listener = await call<number>({ op: 'listen', channel })
      listeners.set(listener, handler)
      return async () => {
        listeners.delete(listener)
        if (!stopped) await call({ op: 'unlisten', listener })
      }
    },
    async close() {
      if (stopped) return
      await call({ op: 'close' })
      stopped = new DatabaseConnectionError('the PGlite thread is closed')
      await worker.terminate()
    },
  }
}

/** Runs the caller's parsers over the columns of their types, which the thread left as text. */
function applyParsers(result: Results<unknown>, parsers: NonNullable<PgliteQueryOptions['parsers']>) {
  for (const [column, field] of result.fields.entries()) {
    const parse = parsers[field.dataTypeID]
    if (!parse) continue
    for (const row of result.rows as Record<string | number, unknown>[]) {
      const key = Array.isArray(row) ? column : field.name
      const value = row[key]
      if (typeof value === 'string') row[key] = parse(value, field.dataTypeID)
    }
  }
}

/**
 * The thread runs `pgliteThread.js` next to this file, or from the TypeScript sources (tests, benches) `.ts`
 * through tsx, a development dependency.
 */
function startWorker(data: PgliteThreadData): Worker {
  const source = import.meta.url.endsWith('.ts')
  const entry = new URL(`./pgliteThread.${source ? 'ts' : 'js'}`, import.meta.url).href
  const bootstrap = source
    ? `import('tsx/esm/api').then(({ tsImport }) => tsImport(${JSON.stringify(entry)}, ${JSON.stringify(import.meta.url)}))`
    : `import(${JSON.stringify(entry)})`
  return new Worker(bootstrap, { eval: true, workerData: data })
}
