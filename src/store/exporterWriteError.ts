/**
 * A failed exporter write, with the database's own words (`duplicate key value violates unique constraint …`) but
 * without the statement: drizzle's query errors carry the SQL text and every parameter, megabytes for a backfill
 * batch, which must not reach a log line.
 */
import { DrizzleQueryError } from 'drizzle-orm'
import { BaseError } from '../core/errors.js'

export class ExporterWriteError extends BaseError {
  override name = 'ExporterWriteError'
}

/** Wraps `err` (thrown while `what`) into an `ExporterWriteError`; the transaction was rolled back. */
export function exporterWriteError(what: string, err: unknown): ExporterWriteError {
  const cause = err instanceof DrizzleQueryError ? (err.cause ?? new Error('query failed')) : err
  const detail = (cause as { detail?: unknown }).detail
  const message = cause instanceof Error ? cause.message : String(cause)
  return new ExporterWriteError(`cannot ${what}`, {
    cause,
    details: typeof detail === 'string' ? `${message} (${detail})` : message,
    metaMessages: ['Nothing of it was stored: the transaction was rolled back.'],
  })
}
