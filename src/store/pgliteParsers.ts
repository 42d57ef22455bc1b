/**
 * The type parsers every PGlite avskit opens starts with, in this thread or on its own
 * (`pgliteThreadClient.ts`): node-postgres returns int8 as a string (a JS number cannot hold every int8) where
 * PGlite defaults to a lossy number. PGlite made to match, raw queries behave the same on both drivers.
 */
import { types } from '@electric-sql/pglite'

export const pgliteParsers = { [types.INT8]: (value: string) => value }
