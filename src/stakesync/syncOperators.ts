/**
 * Operator-subset stake sync, one round (avs-sync with `--operators`): `updateOperators(operators)` re-reads each
 * given operator's stake in all of its quorums in one transaction. avskit first reads which of them would change,
 * sends only those (all registered ones with `--force`), and splits them into chunks under `--max-gas-per-tx`.
 */
import type { Address } from 'viem'
import { chunkOperatorsByGas } from './chunkOperatorsByGas.js'
import { readOperatorStakes } from './readOperatorStakes.js'
import { latestBlock } from './readQuorumStakes.js'
import { sendOperatorsChunk } from './sendOperatorsChunk.js'
import { estimateUpdateGas, readWithRetries, type StakeSyncContext, updateOperatorsCall } from './stakeSyncContext.js'
import type { SyncRoundReport, UpdateReport } from './syncReport.js'

export type OperatorsRound = Pick<SyncRoundReport, 'blockNumber' | 'unregistered' | 'operatorChanges' | 'updates'>

export async function syncOperators(context: StakeSyncContext, operators: readonly Address[]): Promise<OperatorsRound> {
  const { metrics } = context
  const { blockNumber, stakes } = await readWithRetries(context, 'operator stakes', async () => {
    const block = await latestBlock(context.client)
    return {
      blockNumber: block,
      stakes: await readOperatorStakes({
        client: context.client,
        registryCoordinator: context.registryCoordinator,
        stakeRegistry: context.stakeRegistry,
        operators,
        blockNumber: block,
      }),
    }
  })
  const unregistered = stakes.filter((s) => !s.registered).map((s) => s.address)
  const operatorChanges = stakes.flatMap((s) =>
    s.quorums
      .filter((q) => q.recorded !== q.current)
      .map((q) => ({ address: s.address, quorumNumber: q.quorumNumber, recorded: q.recorded, current: q.current })),
  )
  const changed = new Set(operatorChanges.map((c) => c.address))
  const toSend = stakes
    .filter((s) => s.registered && (context.policy.force || changed.has(s.address)))
    .map((s) => s.address)
  if (toSend.length === 0) {
    metrics.stakeSync.skippedTotal.inc({ quorum: '', reason: 'unchanged' })
    return { blockNumber, unregistered, operatorChanges, updates: [] }
  }

  const estimate = (list: readonly Address[]) => estimateUpdateGas(context, updateOperatorsCall(list), blockNumber)
  const chunks =
    context.maxGasPerTx !== undefined
      ? await readWithRetries(context, 'gas estimate', () =>
          chunkOperatorsByGas({ operators: toSend, maxGas: context.maxGasPerTx as bigint, estimate }),
        )
      : [
          {
            operators: toSend,
            gasEstimate: context.dryRun
              ? await readWithRetries(context, 'gas estimate', () => estimate(toSend))
              : undefined,
          },
        ]

  const updates: UpdateReport[] = []
  if (context.dryRun) {
    metrics.stakeSync.skippedTotal.inc({ quorum: '', reason: 'dry_run' })
    for (const chunk of chunks)
      updates.push({ functionName: 'updateOperators', ...chunk, outcome: 'planned', attempts: 0, attemptErrors: [] })
    return { blockNumber, unregistered, operatorChanges, updates }
  }
  for (const chunk of chunks) {
    if (context.signal?.aborted) break
    const update = await sendOperatorsChunk(context, chunk)
    if (update.outcome === 'sent') metrics.stakeSync.operatorsUpdated.set({ quorum: '' }, update.operators.length)
    updates.push(update)
  }
  return { blockNumber, unregistered, operatorChanges, updates }
}
