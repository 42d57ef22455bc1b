/** Where a service keeps its data: PostgreSQL when `--database-url` is given, else PGlite in `--data-dir`. */
import { z } from 'zod'
import { defineOptions } from '../core/config.js'

export const databaseOptions = defineOptions({
  databaseUrl: {
    flag: 'database-url',
    argument: '<url>',
    description: 'PostgreSQL connection URL, postgres://user:password@host:5432/db (default: PGlite in --data-dir)',
    schema: z.string().min(1),
    secret: true,
  },
  dataDir: {
    flag: 'data-dir',
    argument: '<path>',
    description: 'folder of the embedded database (PGlite, in <data-dir>/pglite) when --database-url is not given',
    schema: z.string().min(1),
    default: '.avskit',
  },
})
