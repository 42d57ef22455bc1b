/** One `updateOperators(chunk)` with the round's retry policy: used by operator-subset mode and by gas-capped quorums. */
import type { Address } from 'viem'
import { sendWithRetries } from './sendWithRetries.js'
import { type StakeSyncContext, sendUpdate, updateOperatorsCall } from './stakeSyncContext.js'
import type { UpdateReport } from './syncReport.js'

export function sendOperatorsChunk(
  context: StakeSyncContext,
  chunk: { operators: Address[]; gasEstimate?: bigint | undefined },
): Promise<UpdateReport> {
  return sendWithRetries({
    functionName: 'updateOperators',
    attempts: context.attempts,
    backoffMs: context.retryBackoffMs,
    logger: context.logger,
    metrics: context.metrics,
    signal: context.signal,
    prepare: async () => chunk,
    beforeSend: async ({ attempt, operators }) =>
      context.hooks.beforeSubmit?.({ functionName: 'updateOperators', quorumNumber: undefined, attempt, operators }),
    send: (operators, gasEstimate) => sendUpdate(context, updateOperatorsCall(operators), gasEstimate),
  })
}
