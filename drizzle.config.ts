import { defineConfig } from 'drizzle-kit'

/** drizzle-kit reads every table group under src/store/schema/ and writes migrations beside the store. */
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/store/schema/*.ts',
  out: './src/store/migrations',
})
