/**
 * Global setup: builds `dist/` once per test run, so CLI tests spawn `node dist/cli/main.js` — the binary users
 * run — fresh from the sources of this run, at half the start-up cost of compiling TypeScript on every spawn.
 * Type errors do not stop the emit (`npm run typecheck` reports them); a missing entry point does.
 */
import { spawnSync } from 'node:child_process'
import { cpSync, existsSync, rmSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

export default function setup(): void {
  const root = fileURLToPath(new URL('..', import.meta.url))
  const tsc = fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url))
  const build = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, encoding: 'utf8' })
  if (!existsSync(new URL('../dist/cli/main.js', import.meta.url))) {
    throw new Error(`building dist/ for the CLI tests failed:\n${build.stdout}${build.stderr}`)
  }
  // As `npm run build` does: the migrations of this checkout, not those of an earlier build.
  const migrations = fileURLToPath(new URL('../dist/store/migrations', import.meta.url))
  rmSync(migrations, { recursive: true, force: true })
  cpSync(fileURLToPath(new URL('../src/store/migrations', import.meta.url)), migrations, { recursive: true })
}
