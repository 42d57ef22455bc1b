/**
 * Full-set stake sync, one round: read every quorum's operator set and stakes at the latest block, decide per
 * quorum (see `decideQuorumUpdate`), then send `updateOperatorsForQuorum([operators], [quorum])` — one transaction
 * per quorum, as avs-sync does, so a large quorum never shares a gas limit with another — with the quorum's whole
 * operator set ascending by address (M2 refuses anything else). A quorum whose full update would exceed
 * `--max-gas-per-tx` gets only its changed operators, through `updateOperators` in chunks that fit.
 */
import type { Address } from 'viem'
import { chunkOperatorsByGas } from './chunkOperatorsByGas.js'
import { decideQuorumUpdate } from './decideQuorumUpdate.js'
import { readBlockTimes } from './readBlockTimes.js'
import { changedOperators, latestBlock, type QuorumStakes, readQuorumStakes } from './readQuorumStakes.js'
import { sendOperatorsChunk } from './sendOperatorsChunk.js'
import { sendWithRetries } from './sendWithRetries.js'
import {
  estimateUpdateGas,
  readWithRetries,
  type StakeSyncContext,
  sendUpdate,
  updateOperatorsCall,
  updateQuorumCall,
} from './stakeSyncContext.js'
import type { QuorumReport, UpdateReport } from './syncReport.js'

export type QuorumsRound = {
  blockNumber: bigint
  quorums: QuorumReport[]
  updates: UpdateReport[]
  /** Each quorum's last full update after the round, with its time (ms) when known. */
  lastFullUpdates: { quorumNumber: number; block: bigint; at: number | undefined }[]
}

export async function syncQuorums(context: StakeSyncContext, quorumNumbers: readonly number[]): Promise<QuorumsRound> {
  const { metrics, maxGasPerTx } = context
  const state = await readWithRetries(context, 'quorum stakes', () => readState(context, quorumNumbers))
  const now = context.now()

  const quorums: QuorumReport[] = []
  const full: QuorumStakes[] = []
  /** Operators to update through `updateOperators` (quorums over the gas cap), in first-seen order. */
  const viaOperators = new Set<Address>()
  for (const stakes of state.stakes) {
    const quorum = String(stakes.quorumNumber)
    const changes = changedOperators(stakes.operators)
    metrics.stakeSync.stakesChanged.set({ quorum }, changes.length)
    const decision = decideQuorumUpdate(stakes, context.policy, ageOf(state.times, stakes.lastFullUpdateBlock, now))
    const report: QuorumReport = {
      quorumNumber: stakes.quorumNumber,
      operators: stakes.operators.length,
      changes: changes.map(({ address, recorded, current }) => ({ address, recorded, current })),
      reason: decision.reason,
      action: 'none',
      lastFullUpdateBlock: stakes.lastFullUpdateBlock,
    }
    quorums.push(report)
    if (!decision.send) {
      metrics.stakeSync.skippedTotal.inc({ quorum, reason: 'unchanged' })
      continue
    }
    if (context.dryRun || maxGasPerTx !== undefined) {
      report.fullUpdateGasEstimate = await readWithRetries(context, 'gas estimate', () =>
        estimateUpdateGas(context, updateQuorumCall(stakes.quorumNumber, addresses(stakes)), state.blockNumber),
      )
    }
    if (maxGasPerTx !== undefined && (report.fullUpdateGasEstimate as bigint) > maxGasPerTx) {
      const operators = decision.reason.kind === 'forced' ? stakes.operators : changes
      if (operators.length === 0) {
        metrics.stakeSync.skippedTotal.inc({ quorum, reason: 'over_gas_cap' })
        continue
      }
      report.action = 'updateOperators'
      for (const operator of operators) viaOperators.add(operator.address)
      continue
    }
    report.action = 'updateOperatorsForQuorum'
    full.push(stakes)
  }

  const updates: UpdateReport[] = []
  const chunks =
    viaOperators.size > 0
      ? await readWithRetries(context, 'gas estimate', () =>
          chunkOperatorsByGas({
            operators: [...viaOperators],
            maxGas: maxGasPerTx as bigint,
            estimate: (operators) => estimateUpdateGas(context, updateOperatorsCall(operators), state.blockNumber),
          }),
        )
      : []

  if (context.dryRun) {
    for (const report of quorums) {
      if (report.action !== 'none')
        metrics.stakeSync.skippedTotal.inc({ quorum: String(report.quorumNumber), reason: 'dry_run' })
    }
    for (const stakes of full) {
      const report = quorums.find((q) => q.quorumNumber === stakes.quorumNumber)
      updates.push({
        functionName: 'updateOperatorsForQuorum',
        quorumNumber: stakes.quorumNumber,
        operators: addresses(stakes),
        outcome: 'planned',
        attempts: 0,
        attemptErrors: [],
        gasEstimate: report?.fullUpdateGasEstimate,
      })
    }
    for (const chunk of chunks) {
      updates.push({ functionName: 'updateOperators', ...chunk, outcome: 'planned', attempts: 0, attemptErrors: [] })
    }
    return {
      blockNumber: state.blockNumber,
      quorums,
      updates,
      lastFullUpdates: lastFullUpdates(state, updates, context.now()),
    }
  }

  for (const stakes of full) {
    if (context.signal?.aborted) break
    const planned = quorums.find((q) => q.quorumNumber === stakes.quorumNumber) as QuorumReport
    const update = await sendWithRetries({
      functionName: 'updateOperatorsForQuorum',
      quorumNumber: stakes.quorumNumber,
      attempts: context.attempts,
      backoffMs: context.retryBackoffMs,
      logger: context.logger,
      metrics,
      signal: context.signal,
      prepare: async (attempt) => {
        if (attempt === 1) return { operators: addresses(stakes), gasEstimate: planned.fullUpdateGasEstimate }
        // The set may have changed since the last read (that is why updates revert): read it again.
        const again = await readState(context, [stakes.quorumNumber])
        const fresh = again.stakes[0] as QuorumStakes
        const decision = decideQuorumUpdate(
          fresh,
          context.policy,
          ageOf(again.times, fresh.lastFullUpdateBlock, context.now()),
        )
        if (!decision.send)
          return { skip: 'a re-read found every stake current (another submitter updated the quorum)' }
        const operators = addresses(fresh)
        if (maxGasPerTx === undefined) return { operators }
        const gasEstimate = await estimateUpdateGas(context, updateQuorumCall(fresh.quorumNumber, operators))
        if (gasEstimate > maxGasPerTx)
          return { skip: `the full update now needs ~${gasEstimate} gas, over --max-gas-per-tx` }
        return { operators, gasEstimate }
      },
      beforeSend: async ({ attempt, operators }) =>
        context.hooks.beforeSubmit?.({
          functionName: 'updateOperatorsForQuorum',
          quorumNumber: stakes.quorumNumber,
          attempt,
          operators,
        }),
      send: (operators, gasEstimate) =>
        sendUpdate(context, updateQuorumCall(stakes.quorumNumber, operators), gasEstimate),
    })
    if (update.outcome === 'sent')
      metrics.stakeSync.operatorsUpdated.set({ quorum: String(stakes.quorumNumber) }, update.operators.length)
    updates.push(update)
  }
  for (const chunk of chunks) {
    if (context.signal?.aborted) break
    updates.push(await sendOperatorsChunk(context, chunk))
  }
  for (const report of quorums) {
    if (report.action !== 'updateOperators') continue
    const sent = new Set(
      updates.filter((u) => u.functionName === 'updateOperators' && u.outcome === 'sent').flatMap((u) => u.operators),
    )
    metrics.stakeSync.operatorsUpdated.set(
      { quorum: String(report.quorumNumber) },
      report.changes.filter((change) => sent.has(change.address)).length,
    )
  }
  return {
    blockNumber: state.blockNumber,
    quorums,
    updates,
    lastFullUpdates: lastFullUpdates(state, updates, context.now()),
  }
}

type State = { blockNumber: bigint; stakes: QuorumStakes[]; times: Map<bigint, number> }

async function readState(
  context: StakeSyncContext,
  quorumNumbers: readonly number[],
  blockNumber?: bigint,
): Promise<State> {
  const block = blockNumber ?? (await latestBlock(context.client))
  const stakes = await readQuorumStakes({
    client: context.client,
    registryCoordinator: context.registryCoordinator,
    operatorStateRetriever: context.operatorStateRetriever,
    stakeRegistry: context.stakeRegistry,
    quorumNumbers,
    blockNumber: block,
  })
  const times = await readBlockTimes(
    context.client,
    stakes.map((s) => s.lastFullUpdateBlock),
  )
  return { blockNumber: block, stakes, times }
}

function addresses(stakes: QuorumStakes): Address[] {
  return stakes.operators.map((operator) => operator.address)
}

function ageOf(times: Map<bigint, number>, block: bigint, now: number): number | undefined {
  const at = times.get(block)
  return at === undefined ? undefined : Math.max(0, now - at)
}

function lastFullUpdates(state: State, updates: readonly UpdateReport[], now: number): QuorumsRound['lastFullUpdates'] {
  return state.stakes.map((stakes) => {
    const sent = updates.find(
      (u) =>
        u.functionName === 'updateOperatorsForQuorum' && u.quorumNumber === stakes.quorumNumber && u.outcome === 'sent',
    )
    if (sent?.blockNumber !== undefined) return { quorumNumber: stakes.quorumNumber, block: sent.blockNumber, at: now }
    return {
      quorumNumber: stakes.quorumNumber,
      block: stakes.lastFullUpdateBlock,
      at: state.times.get(stakes.lastFullUpdateBlock),
    }
  })
}
