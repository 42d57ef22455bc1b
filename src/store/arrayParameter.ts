/**
 * Array parameters for `unnest` written as Postgres array literals by hand. The drivers' own array serialisers
 * quote and escape every element (node-postgres: a regular expression per element), which cost more than the
 * statement's execution for a 10,000-row batch of hex strings. Every value these statements pass is a number, a
 * decimal or hex string, a fixed word, or null: nothing a literal needs to quote. The exception, a per-row array
 * literal inside a text array (`{"{1,2}","{3}"}`), is quoted here and holds no quote or backslash itself.
 */
import { type SQL, sql } from 'drizzle-orm'

const bare = /^[0-9A-Za-z_]+$/

/** One element: bare when it is plain, quoted (with `"` and `\` escaped) otherwise; null as NULL. */
function element(value: string | number | bigint | null): string {
  if (value === null) return 'NULL'
  if (typeof value !== 'string') return String(value)
  return bare.test(value) ? value : `"${value.replace(/[\\"]/g, '\\$&')}"`
}

/** The literal `{a,b,NULL}` of `values`. */
export function elementsLiteral(values: readonly (string | number | bigint | null)[]): string {
  return `{${values.map(element).join(',')}}`
}

/** The column `pick` reads from every row, as one array-literal parameter (cast it: `${…}::int8[]`). */
export function arrayParameter<row>(rows: readonly row[], pick: (row: row) => string | number | bigint | null): SQL {
  return sql`${elementsLiteral(rows.map(pick))}`
}
