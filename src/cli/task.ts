/** `avskit task …`: create a task on the TaskManager, and show what the aggregator made of it. */
import type { Command } from 'commander'
import { type Hex, isHex, stringToHex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { z } from 'zod'
import { createChainClient } from '../chain/clients.js'
import { createNewTask } from '../chain/taskManager.js'
import { createTransactionSender } from '../chain/transactionSender.js'
import { defineOptions } from '../core/config.js'
import { BaseError, InvalidInputError } from '../core/errors.js'
import { addCommand } from './command.js'
import { addressSchema, ethHttpUrlOption, quorumsSchema, requiredOption, urlSchema } from './commonOptions.js'
import { resolveSignerKey, signerKeyOptions } from './keyOptions.js'
import { formatTable, printJson } from './output.js'

const createOptions = defineOptions({
  ...requiredOption(ethHttpUrlOption),
  taskManager: {
    flag: 'task-manager-addr',
    argument: '<address>',
    description: 'TaskManager address',
    schema: addressSchema,
    required: true,
  },
  payload: {
    flag: 'payload',
    argument: '<hex|text>',
    description: 'task payload: 0x-hex bytes, or text (UTF-8)',
    schema: z.string().max(65_536, { message: 'expected at most 64 KiB' }),
    required: true,
  },
  quorums: {
    flag: 'quorums',
    argument: '<list>',
    description: 'quorums that must sign, e.g. 0,1',
    schema: quorumsSchema,
    required: true,
  },
  threshold: {
    flag: 'threshold',
    argument: '<percent>',
    description: 'stake percentage each quorum must sign',
    schema: z.coerce.number().int().min(1).max(100, { message: 'expected a percentage from 1 to 100' }),
    default: 67,
  },
  ...signerKeyOptions,
})

const showOptions = defineOptions({
  aggregatorUrl: {
    flag: 'aggregator-url',
    argument: '<url>',
    description: "the aggregator's HTTP URL",
    schema: urlSchema,
    default: 'http://127.0.0.1:8080',
  },
  json: { flag: 'json', description: 'print JSON even in a terminal', schema: z.boolean(), default: false },
})

type TaskView = {
  taskIndex: string
  status: string
  referenceBlock: string
  quorumNumbers: number[]
  digest: string | null
  signers: string[]
  nonSigners: string[]
  stakes: { quorumNumber: number; signedStake: string; totalStake: string; thresholdPercentage: number }[]
  outcome: string | null
  submission: { transactionHash?: string; gasUsed?: string; alreadyResponded?: boolean } | null
}

export function registerTaskCommands(program: Command): void {
  const task = program.command('task').description('tasks on the TaskManager and their certificates')

  addCommand(task, {
    name: 'create',
    description: 'create a task that the quorums must sign',
    options: createOptions,
    async run({ options, logger }) {
      const key = await resolveSignerKey(options, 'the task creator')
      const payload: Hex = isHex(options.payload, { strict: true }) ? options.payload : stringToHex(options.payload)
      const client = await createChainClient({ url: options.ethHttpUrl })
      const created = await createNewTask({
        sender: createTransactionSender({ client, account: privateKeyToAccount(key), logger }),
        taskManager: options.taskManager,
        payload,
        quorumNumbers: options.quorums,
        thresholdPercentage: options.threshold,
      })
      printJson({
        taskIndex: created.taskIndex,
        taskCreatedBlock: created.task.taskCreatedBlock,
        quorums: options.quorums,
        threshold: options.threshold,
        transactionHash: created.receipt.transactionHash,
      })
      return 0
    },
  })

  addCommand(task, {
    name: 'show',
    description: 'status, signers, non-signers, stake per quorum and the respondToTask transaction of a task',
    arguments: '<index>',
    options: showOptions,
    async run({ options, args }) {
      const index = args[0] ?? ''
      if (!/^\d{1,10}$/.test(index))
        throw new InvalidInputError(`Task index must be a non-negative integer, got "${index}".`)
      const url = `${options.aggregatorUrl.replace(/\/$/, '')}/tasks/${index}`
      let response: Response
      try {
        response = await fetch(url)
      } catch (cause) {
        throw new BaseError(`Cannot reach the aggregator at ${options.aggregatorUrl}.`, { cause, exitCode: 2 })
      }
      if (response.status === 404)
        throw new BaseError(`Task ${index} is not known to the aggregator at ${options.aggregatorUrl}.`)
      if (!response.ok) throw new BaseError(`The aggregator answered ${response.status} for task ${index}.`)
      const view = (await response.json()) as TaskView
      if (options.json || !process.stdout.isTTY) printJson(view)
      else process.stdout.write(`${formatTaskView(view)}\n`)
      return 0
    },
  })
}

function formatTaskView(view: TaskView): string {
  const percent = (signed: string, total: string) =>
    BigInt(total) === 0n ? '0%' : `${Number((BigInt(signed) * 10_000n) / BigInt(total)) / 100}%`
  const lines = [
    `task ${view.taskIndex}: ${view.status}${view.outcome ? ` (${view.outcome})` : ''}`,
    `reference block ${view.referenceBlock}, quorums ${view.quorumNumbers.join(',')}`,
    `digest ${view.digest ?? '-'}`,
    '',
    formatTable(
      ['quorum', 'signed', 'needed'],
      view.stakes.map((s) => [
        String(s.quorumNumber),
        percent(s.signedStake, s.totalStake),
        `${s.thresholdPercentage}%`,
      ]),
    ),
    '',
    `signers (${view.signers.length})`,
    ...view.signers.map((s) => `  ${s}`),
    `non-signers (${view.nonSigners.length})`,
    ...view.nonSigners.map((s) => `  ${s}`),
  ]
  if (view.submission?.transactionHash) {
    lines.push('', `respondToTask ${view.submission.transactionHash} (gas ${view.submission.gasUsed})`)
  } else if (view.submission?.alreadyResponded) lines.push('', 'respondToTask: already responded on chain')
  return lines.join('\n')
}
