/**
 * The flags that turn on task aggregation in `avskit aggregator`: with `--task-manager-addr` the aggregator also
 * follows the TaskManager, aggregates operators' signed responses and submits certificates from the account of
 * `--private-key` / `--ecdsa-keystore`.
 */
import { privateKeyToAccount } from 'viem/accounts'
import { z } from 'zod'
import { startTaskAggregation } from '../aggregation/startTaskAggregation.js'
import type { AggregatorComponentStarter } from '../aggregator/index.js'
import { createTransactionSender } from '../chain/transactionSender.js'
import { defineOptions, type ResolvedOptions } from '../core/config.js'
import { InvalidInputError } from '../core/errors.js'
import { addressSchema } from './commonOptions.js'
import { resolveSignerKey, signerKeyOptions } from './keyOptions.js'

export const taskAggregationOptions = defineOptions({
  taskManager: {
    flag: 'task-manager-addr',
    argument: '<address>',
    description: 'TaskManager to aggregate tasks for (task aggregation is off without it)',
    schema: addressSchema,
  },
  operatorStateRetriever: {
    flag: 'operator-state-retriever-addr',
    argument: '<address>',
    description: 'OperatorStateRetriever (needed with --task-manager-addr)',
    schema: addressSchema,
  },
  fromBlock: {
    flag: 'from-block',
    argument: '<block>',
    description: 'AVS deployment block: where registrations and tasks are first looked for',
    schema: z.coerce.bigint({ message: 'expected a block number' }).nonnegative(),
    default: 0n,
  },
  taskTimeout: {
    flag: 'task-timeout',
    argument: '<seconds>',
    description: 'how long a task collects signatures before it expires',
    schema: z.coerce.number().int().positive(),
    default: 60,
  },
  collectionWindow: {
    flag: 'collection-window',
    argument: '<ms>',
    description: 'once the threshold is met, keep collecting signatures this long before submitting',
    schema: z.coerce.number().int().min(0),
    default: 0,
  },
  ...signerKeyOptions,
})

/** The aggregator component for task aggregation, or undefined when --task-manager-addr is not given. */
export async function taskAggregationComponent(
  options: ResolvedOptions<typeof taskAggregationOptions> & { registryCoordinator: `0x${string}` },
): Promise<AggregatorComponentStarter | undefined> {
  const { taskManager, operatorStateRetriever } = options
  if (taskManager === undefined) return undefined
  if (operatorStateRetriever === undefined) {
    throw new InvalidInputError('Missing --operator-state-retriever-addr (needed with --task-manager-addr).')
  }
  const key = await resolveSignerKey(options, 'the account that submits certificates')
  const account = privateKeyToAccount(key)
  return (context) =>
    startTaskAggregation({
      ...context,
      sender: createTransactionSender({
        client: context.client,
        account,
        logger: context.logger,
        metrics: context.metrics,
      }),
      registryCoordinator: options.registryCoordinator,
      operatorStateRetriever,
      taskManager,
      fromBlock: options.fromBlock,
      taskTimeoutMs: options.taskTimeout * 1000,
      collectionWindowMs: options.collectionWindow,
    })
}
