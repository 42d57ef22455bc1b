/**
 * `GET /operator` as JSON text, built fast enough for tens of thousands of operators: each row's JSON is made once
 * when the row changes (kept per row object), and per request only its liveness and `lastSeen` are written between
 * the two halves. The output is exactly `JSON.stringify({ data: views })` of `toOperatorView` for every row.
 */
import type { PoolOperatorRow } from '../store/index.js'
import type { ExplorerSites } from './explorerLinks.js'
import { formatLastSeen, type LivenessRules, livenessOf } from './liveness.js'
import { toOperatorView } from './operatorView.js'

type Halves = { head: string; tail: string }

export type OperatorListSerializer = (rows: readonly PoolOperatorRow[], now: number) => string

export function createOperatorListSerializer(rules: LivenessRules, sites: ExplorerSites): OperatorListSerializer {
  const halves = new WeakMap<PoolOperatorRow, Halves>()
  const halvesOf = (row: PoolOperatorRow): Halves => {
    let cached = halves.get(row)
    if (!cached) {
      const {
        address,
        operatorId,
        status: _status,
        lastSeen: _lastSeen,
        ...rest
      } = toOperatorView(row, 0, rules, sites)
      cached = {
        head: `{"address":${JSON.stringify(address)},"operatorId":${JSON.stringify(operatorId)}`,
        tail: `,${JSON.stringify(rest).slice(1)}`,
      }
      halves.set(row, cached)
    }
    return cached
  }
  return (rows, now) => {
    const parts: string[] = new Array(rows.length)
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i] as PoolOperatorRow
      const { head, tail } = halvesOf(row)
      const age = now - row.lastCheckinAt.getTime()
      parts[i] =
        `${head},"status":"${livenessOf(row.lastCheckinAt.getTime(), now, rules)}","lastSeen":"${formatLastSeen(age)}"${tail}`
    }
    return `{"data":[${parts.join(',')}]}`
  }
}
