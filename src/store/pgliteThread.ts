/**
 * The thread that runs an on-disk PGlite for `PgliteThreadClient`: it opens the database in the folder it is
 * given, then answers queries, transactions and LISTEN in the order they arrive. The client names its
 * transactions, so it can send a transaction's statements right behind its `begin` without waiting for answers:
 * they wait here for PGlite to begin it, then run in order on PGlite's transaction object, which keeps everything
 * else waiting until the client ends it, as in-process PGlite does.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { PGlite, type Transaction } from '@electric-sql/pglite'
import { pgliteParsers } from './pgliteParsers.js'
import {
  type PgliteThreadMessage,
  type PgliteThreadRequest,
  type SerializedError,
  serializeError,
} from './pgliteThreadProtocol.js'

export type PgliteThreadData = { folder: string }

const port = parentPort
if (!port) throw new Error('pgliteThread.ts runs as a worker thread (see pgliteThreadClient.ts)')
const post = (message: PgliteThreadMessage) => port.postMessage(message)
const identity = (value: string) => value

const pg = await PGlite.create({ dataDir: (workerData as PgliteThreadData).folder, parsers: pgliteParsers }).catch(
  (error: unknown) => {
    post({ openError: serializeError(error) })
    return undefined
  },
)

if (pg) {
  type OpenTransaction = { begun: Promise<Transaction>; end: (commit: boolean) => void; done: Promise<void> }
  const transactions = new Map<number, OpenTransaction>()
  const listeners = new Map<number, () => Promise<void>>()
  let nextId = 1

  async function handle(request: PgliteThreadRequest): Promise<unknown> {
    switch (request.op) {
      case 'query': {
        const target = request.tx === undefined ? pg! : await transaction(request.tx)
        const parsers = request.textTypes && Object.fromEntries(request.textTypes.map((type) => [type, identity]))
        return target.query(request.sql, request.params, {
          ...(request.rowMode ? { rowMode: request.rowMode } : {}),
          ...(parsers ? { parsers } : {}),
        })
      }
      case 'copy': {
        const tx = await transaction(request.tx)
        // A file in PGlite's in-memory /tmp, written and read with native copies. '/dev/blob' would copy the input
        // into Postgres' buffer a byte at a time in JavaScript (PGlite 0.5), about 0.7 µs per row here.
        const path = `/tmp/avskit-copy-${request.id}`
        pg!.Module.FS.writeFile(path, request.rows)
        try {
          return await tx.query(`copy ${request.table} (${request.columns}) from '${path}' with (format binary)`)
        } finally {
          pg!.Module.FS.unlink(path)
        }
      }
      case 'begin':
        begin(request.tx)
        return undefined
      case 'end': {
        const transaction = transactions.get(request.tx)
        if (!transaction) throw new Error(`transaction ${request.tx} is over`)
        transaction.end(request.commit)
        try {
          await transaction.done
        } finally {
          transactions.delete(request.tx)
        }
        return undefined
      }
      case 'listen': {
        const listener = nextId++
        listeners.set(listener, await pg!.listen(request.channel, (payload) => post({ notify: listener, payload })))
        return listener
      }
      case 'unlisten': {
        const unlisten = listeners.get(request.listener)
        listeners.delete(request.listener)
        await unlisten?.()
        return undefined
      }
      case 'close':
        await pg!.close()
        return undefined
    }
  }

  /** Opens transaction `id`, held until `end`. */
  function begin(id: number): void {
    let end!: (commit: boolean) => void
    const ended = new Promise<boolean>((resolve) => {
      end = resolve
    })
    let begun!: (tx: Transaction) => void
    let failed!: (error: unknown) => void
    const open = new Promise<Transaction>((resolve, reject) => {
      begun = resolve
      failed = reject
    })
    const done = pg!.transaction(async (tx) => {
      begun(tx)
      if (!(await ended)) await tx.rollback()
    })
    // When BEGIN fails, so do the statements sent for the transaction (after it began, this changes nothing).
    done.catch(failed)
    open.catch(() => {})
    transactions.set(id, { begun: open, end, done })
  }

  /** PGlite's transaction `id`, once begun. */
  function transaction(id: number): Promise<Transaction> {
    const open = transactions.get(id)
    if (!open) throw new Error(`transaction ${id} is over`)
    return open.begun
  }

  port.on('message', (request: PgliteThreadRequest) => {
    handle(request).then(
      (result) => post({ id: request.id, result }),
      (error: unknown) => post({ id: request.id, error: serializeError(error) as SerializedError }),
    )
  })
  post({ opened: true })
}
