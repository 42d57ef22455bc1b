/** avskit's own version, from its package.json (the same relative path from src/ and from dist/). */
import { readFileSync } from 'node:fs'

let cached: string | undefined

/** The `version` of avskit's package.json, or `0.0.0` when it cannot be read. */
export function packageVersion(): string {
  if (cached === undefined) {
    try {
      const path = new URL('../../package.json', import.meta.url)
      cached = (JSON.parse(readFileSync(path, 'utf8')) as { version?: string }).version ?? '0.0.0'
    } catch {
      cached = '0.0.0'
    }
  }
  return cached
}
