/**
 * What an alert says. Texts are plain (Telegram without a parse mode, e-mail as text/plain, webhooks as JSON), so
 * operator-reported strings (the version) cannot turn into markup; they are already free of control characters
 * (`validateCheckin.ts`).
 */
import type { PoolAlertKind, PoolAlertOperator, PoolAlertRow } from '../store/index.js'
import { type ExplorerSites, operatorLinks } from './explorerLinks.js'
import { formatLastSeen } from './liveness.js'

export type AlertContent = {
  kind: PoolAlertKind
  subject: string
  text: string
  /** The webhook body. */
  payload: {
    event: 'operator.offline' | 'operator.recovered'
    /** When the transition was recorded (ISO 8601). */
    at: string
    text: string
    operator: PoolAlertOperator & { explorerUrl: string | null; eigenlayerUrl: string | null }
  }
}

const duration = (ms: number) => formatLastSeen(ms).replace(/ ago$/, '')

export function formatAlert(alert: PoolAlertRow, sites: ExplorerSites): AlertContent {
  const operator = alert.operator as PoolAlertOperator
  const at = alert.createdAt
  const lastCheckin = new Date(operator.lastCheckinAt)
  const details = `version ${operator.version || '(none)'}, block ${operator.blockNumber}, ${operator.eventCount} events`
  const offline = alert.kind === 'offline'
  const subject = offline ? `Operator ${operator.address} is offline` : `Operator ${operator.address} is back online`
  const text = offline
    ? `${subject}: no check-in for ${duration(at.getTime() - lastCheckin.getTime())} (last at ${operator.lastCheckinAt}; ${details}).`
    : `${subject} after ${duration(at.getTime() - new Date(operator.offlineSince ?? at).getTime())} offline (${details}).`
  return {
    kind: alert.kind,
    subject,
    text,
    payload: {
      event: offline ? 'operator.offline' : 'operator.recovered',
      at: at.toISOString(),
      text,
      operator: { ...operator, ...operatorLinks(operator.address, sites) },
    },
  }
}
