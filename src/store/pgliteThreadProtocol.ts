/**
 * The messages between `PgliteThreadClient` (the service's thread) and `pgliteThread.ts` (the thread that runs
 * PGlite), and how errors cross between them: structured clone keeps an error's message but drops the fields
 * Postgres errors carry (`code`, `detail`, `hint`, …), so they travel as plain objects.
 */

/** A call to the thread; it travels as a `PgliteThreadRequest`, with the id its answer carries. */
export type PgliteThreadCall =
  | {
      op: 'query'
      sql: string
      params: unknown[] | undefined
      /** Return these types' values as the text Postgres sent: the caller parses them itself. */
      textTypes: number[] | undefined
      rowMode: 'array' | 'object' | undefined
      /** The transaction to run in (from `begin`); none for a statement of its own. */
      tx: number | undefined
    }
  | {
      /** `COPY table (columns) FROM` the rows in `rows` (COPY's binary format), in transaction `tx`. */
      op: 'copy'
      table: string
      columns: string
      rows: Uint8Array
      tx: number
    }
  /** Opens a transaction the client names (every statement for it carries the name). */
  | { op: 'begin'; tx: number }
  | { op: 'end'; tx: number; commit: boolean }
  | { op: 'listen'; channel: string }
  | { op: 'unlisten'; listener: number }
  | { op: 'close' }

export type PgliteThreadRequest = PgliteThreadCall & { id: number }

export type PgliteThreadMessage =
  | { id: number; result: unknown }
  | { id: number; error: SerializedError }
  | { notify: number; payload: string }
  | { opened: true }
  | { openError: SerializedError }

export type SerializedError = { name: string; message: string; stack: string | undefined } & Record<string, unknown>

/** An error's name, message, stack and every own field that is a string, number or boolean (Postgres' fields). */
export function serializeError(error: unknown): SerializedError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error), stack: undefined }
  const fields: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(error)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') fields[key] = value
  }
  return { ...fields, name: error.name, message: error.message, stack: error.stack }
}

/** The error again, on this side: same name, message and fields; the other thread's stack. */
export function deserializeError(serialized: SerializedError): Error {
  const { name, message, stack, ...fields } = serialized
  const error = Object.assign(new Error(message), fields)
  error.name = name
  if (stack !== undefined) error.stack = stack
  return error
}
