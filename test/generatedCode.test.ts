/** The generated gRPC/protobuf code in src/gen/ must be what `npm run proto` makes from proto/ today. */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, test } from 'vitest'

const root = fileURLToPath(new URL('..', import.meta.url))

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? files(path) : [path]
  })
}

describe('src/gen', () => {
  test('matches a fresh `buf generate` of proto/', () => {
    const out = mkdtempSync(join(tmpdir(), 'avskit-gen-'))
    try {
      execFileSync(join(root, 'node_modules/.bin/buf'), ['generate', '--output', out], { cwd: root })
      const fresh = join(out, 'src/gen')
      const committed = join(root, 'src/gen')
      const names = (dir: string) =>
        files(dir)
          .map((f) => relative(dir, f))
          .sort()
      expect(names(committed)).toEqual(names(fresh))
      for (const name of names(fresh)) {
        expect(readFileSync(join(committed, name), 'utf8'), `${name} is stale: run npm run proto`).toBe(
          readFileSync(join(fresh, name), 'utf8'),
        )
      }
    } finally {
      rmSync(out, { recursive: true, force: true })
    }
  })
})
