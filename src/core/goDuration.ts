/**
 * Durations in Go's `time.ParseDuration` syntax, for flags that tools written in Go (avs-sync, eigensdk) take:
 * a sequence of decimal numbers, each with a unit (`ns`, `us`/`µs`/`μs`, `ms`, `s`, `m`, `h`), optionally signed,
 * like `300ms`, `1.5h` or `2h45m`; `0` alone needs no unit. Days are not a Go unit: `24h`, not `1d`.
 */

const unitMs: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
}

const term = /(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y

/** Milliseconds (possibly fractional) of a Go duration, or undefined when `text` is not one. */
export function parseGoDuration(text: string): number | undefined {
  let rest = text.trim()
  let sign = 1
  if (rest.startsWith('-') || rest.startsWith('+')) {
    sign = rest.startsWith('-') ? -1 : 1
    rest = rest.slice(1)
  }
  if (rest === '0') return 0
  if (rest === '') return undefined
  let total = 0
  term.lastIndex = 0
  while (term.lastIndex < rest.length) {
    const start = term.lastIndex
    const match = term.exec(rest)
    if (!match || match.index !== start) return undefined
    total += Number(match[1]) * (unitMs[match[2] as string] as number)
  }
  return sign * total
}

/** A duration in Go's notation (`1h30m0s`, `90s`, `500ms`), as Go prints it; whole milliseconds. */
export function formatGoDuration(ms: number): string {
  if (ms === 0) return '0s'
  const sign = ms < 0 ? '-' : ''
  let rest = Math.round(Math.abs(ms))
  if (rest < 1_000) return `${sign}${rest}ms`
  const hours = Math.floor(rest / 3_600_000)
  rest -= hours * 3_600_000
  const minutes = Math.floor(rest / 60_000)
  rest -= minutes * 60_000
  const seconds = rest / 1_000
  return `${sign}${hours > 0 ? `${hours}h` : ''}${hours > 0 || minutes > 0 ? `${minutes}m` : ''}${seconds}s`
}
