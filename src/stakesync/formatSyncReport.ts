/**
 * A round as lines for people: what was sent (or, in a dry run, would be), and for every quorum where nothing was
 * sent, why. Stakes are printed in units of 10^18 (ether-denominated weights read as whole numbers).
 */
import { formatEther } from 'viem'
import { formatGoDuration } from '../core/goDuration.js'
import type { QuorumUpdateReason } from './decideQuorumUpdate.js'
import type { QuorumReport, StakeChange, SyncRoundReport, UpdateReport } from './syncReport.js'

export function formatSyncReport(report: SyncRoundReport): string[] {
  if (report.outcome === 'standby') {
    return ['no transaction sent: another replica holds the stake-sync lock and submits the updates']
  }
  const lines: string[] = []
  const at = report.blockNumber === undefined ? '' : ` at block ${report.blockNumber}`
  if (report.dryRun) lines.push(`dry run${at}: nothing is sent`)
  if (report.error && report.quorums.length === 0 && report.updates.length === 0) {
    lines.push(`round failed: ${report.error.shortMessage}`)
    return lines
  }
  for (const quorum of report.quorums) lines.push(...formatQuorum(quorum, report))
  if (report.mode === 'operators') lines.push(...formatOperators(report))
  for (const update of report.updates) {
    if (update.functionName === 'updateOperators') lines.push(formatUpdate(update, 'updateOperators'))
  }
  for (const entry of report.staleness) {
    if (!entry.stale) continue
    lines.push(
      `quorum ${entry.quorumNumber}: STALE: ${
        entry.ageMs === undefined
          ? 'never updated in full'
          : `last full update at block ${entry.lastFullUpdateBlock}, ${formatGoDuration(Math.round(entry.ageMs / 1000) * 1000)} ago`
      }`,
    )
  }
  return lines
}

function formatQuorum(quorum: QuorumReport, report: SyncRoundReport): string[] {
  const head = `quorum ${quorum.quorumNumber}`
  const changes = formatChanges(quorum.changes)
  if (quorum.action === 'none') {
    if (quorum.fullUpdateGasEstimate !== undefined && quorum.reason.kind !== 'unchanged') {
      return [
        `${head}: no transaction: ${describe(quorum.reason)}, but a full update (~${quorum.fullUpdateGasEstimate} gas) exceeds --max-gas-per-tx and no stake changed`,
      ]
    }
    return [`${head}: no transaction: ${describe(quorum.reason)}`]
  }
  if (quorum.action === 'updateOperators') {
    return [
      `${head}: a full update (~${quorum.fullUpdateGasEstimate} gas) exceeds --max-gas-per-tx: its ${quorum.changes.length} changed operator(s) go in updateOperators`,
      ...changes,
    ]
  }
  const update = report.updates.find(
    (u) => u.functionName === 'updateOperatorsForQuorum' && u.quorumNumber === quorum.quorumNumber,
  )
  return [
    `${head}: ${update ? formatUpdate(update, 'updateOperatorsForQuorum') : 'not sent (shutdown)'} (${describe(quorum.reason)})`,
    ...changes,
  ]
}

function formatUpdate(update: UpdateReport, name: string): string {
  const what = `${name} of ${update.operators.length} operator${update.operators.length === 1 ? '' : 's'}`
  switch (update.outcome) {
    case 'planned':
      return `would send ${what}, ~${update.gasEstimate ?? '?'} gas`
    case 'sent':
      return `sent ${what}: ${update.transactionHash} in block ${update.blockNumber}, gas ${update.gasUsed}${update.attempts > 1 ? `, attempt ${update.attempts} (before: ${update.attemptErrors.join('; ')})` : ''}`
    case 'skipped':
      return `nothing sent after ${update.attempts} attempt(s): a re-read found every stake current`
    case 'failed':
      return `${what} FAILED after ${update.attempts} attempt(s): ${update.error?.shortMessage ?? 'unknown error'}`
  }
}

function formatOperators(report: SyncRoundReport): string[] {
  const lines: string[] = []
  if (report.unregistered.length > 0) lines.push(`not registered (skipped): ${report.unregistered.join(', ')}`)
  const changed = new Set(report.operatorChanges.map((c) => c.address))
  if (report.updates.length === 0 && report.error === undefined) {
    lines.push(
      "operators: no transaction: every given operator's recorded stakes equal its current weights (--force sends anyway)",
    )
  } else lines.push(`operators: ${changed.size} with changed stakes`)
  for (const change of report.operatorChanges) {
    lines.push(`  ${change.address} q${change.quorumNumber}  ${stake(change.recorded)} → ${stake(change.current)}`)
  }
  return lines
}

function formatChanges(changes: readonly StakeChange[]): string[] {
  return changes.map(
    (c) =>
      `  ${c.address}  ${stake(c.recorded)} → ${stake(c.current)}${c.current === 0n ? ' (below the minimum: deregistered)' : ''}`,
  )
}

function describe(reason: QuorumUpdateReason): string {
  switch (reason.kind) {
    case 'changed':
      return `${reason.changed} of ${reason.operators} stakes changed`
    case 'forced':
      return `--force, ${reason.operators} operators`
    case 'stale':
      return `no stake changed, but the last full update (${
        reason.ageMs === undefined ? 'never' : `${formatGoDuration(Math.round(reason.ageMs / 1000) * 1000)} ago`
      }) would pass --max-staleness ${formatGoDuration(reason.maxStalenessMs)} before the next round`
    case 'unchanged':
      return `the recorded stakes of all ${reason.operators} operators equal their current weights (--force sends anyway)`
  }
}

function stake(value: bigint): string {
  return formatEther(value)
}
