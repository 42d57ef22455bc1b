/**
 * An operator as `GET /operator`, the dashboard and its live updates show it: the stored row, its liveness now, the
 * `LastSeen` text and links to explorers. Numbers are JSON numbers (the pool only stores integers below 2^53);
 * times are milliseconds since the Unix epoch.
 */
import type { PoolOperatorRow } from '../store/index.js'
import { type ExplorerSites, operatorLinks } from './explorerLinks.js'
import { formatLastSeen, type LivenessRules, livenessOf, type OperatorLiveness } from './liveness.js'

export type OperatorView = {
  address: string
  operatorId: string
  status: OperatorLiveness
  /** `10s ago`, `5m0s ago`, … at the time of the answer. */
  lastSeen: string
  /** Server receive time of the last check-in (ms). */
  lastCheckinAt: number
  firstSeenAt: number
  checkinCount: number
  /** False for check-ins accepted without a signature (`--allow-unauthenticated-checkins`). */
  authenticated: boolean
  /** The connection's address as the aggregator saw it. */
  peerAddress: string
  /** The IP the operator reported (`remoteIP`); may differ from the peer behind NAT or a proxy. */
  remoteIp: string
  version: string
  metricsPort: number
  blockNumber: number
  eventCount: number
  supportedChainIds: number[]
  explorerUrl: string | null
  eigenlayerUrl: string | null
}

export function toOperatorView(
  row: PoolOperatorRow,
  now: number,
  rules: LivenessRules,
  sites: ExplorerSites,
): OperatorView {
  const lastCheckinAt = row.lastCheckinAt.getTime()
  return {
    address: row.address,
    operatorId: row.operatorId,
    status: livenessOf(lastCheckinAt, now, rules),
    lastSeen: formatLastSeen(now - lastCheckinAt),
    lastCheckinAt,
    firstSeenAt: row.firstSeenAt.getTime(),
    checkinCount: row.checkinCount,
    authenticated: row.authenticated,
    peerAddress: row.peerAddress,
    remoteIp: row.reportedIp,
    version: row.version,
    metricsPort: row.metricsPort,
    blockNumber: row.blockNumber,
    eventCount: row.eventCount,
    supportedChainIds: row.supportedChainIds,
    ...operatorLinks(row.address, sites),
  }
}
