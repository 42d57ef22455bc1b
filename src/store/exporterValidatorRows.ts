/**
 * Validator rows as every reader needs them (`/query`, the stream outbox, a rollback): the table's columns and the
 * public keys of the validator's operators, joined from `exporter_operators` in the validator's operator order
 * (null for an operator the exporter never indexed). See `schema/exporter.ts` for why the keys are not stored.
 */
import { getTableColumns, sql } from 'drizzle-orm'
import type { DrizzleExecutor } from './database.js'
import { exporterValidators } from './schema/index.js'

/** The operator keys of the validator row in scope, as a column expression. */
export const operatorPublicKeysSql = sql<(string | null)[]>`array(
  select operator.public_key
  from unnest(${exporterValidators.operatorIds}) with ordinality as ids(id, n)
    left join exporter_operators as operator on operator.operator_id = ids.id
  order by ids.n)`

/**
 * `select` of validator rows with their operator keys; add `where`, `orderBy`, `limit`.
 *
 * @example
 * const rows = await selectValidatorRows(db).where(between(exporterValidators.index, 0, 9)).orderBy(asc(exporterValidators.index))
 */
export function selectValidatorRows(db: DrizzleExecutor) {
  return db
    .select({ ...getTableColumns(exporterValidators), operatorPublicKeys: operatorPublicKeysSql })
    .from(exporterValidators)
}
