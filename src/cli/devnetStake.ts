/** `avskit devnet stake`: changes a devnet operator's delegated shares, for stake sync to pick up. */
import type { Command } from 'commander'
import { formatEther, parseEther } from 'viem'
import { z } from 'zod'
import { createChainClient } from '../chain/clients.js'
import { defineOptions } from '../core/config.js'
import { InvalidInputError } from '../core/errors.js'
import { setOperatorShares } from '../devnet/setOperatorShares.js'
import { readDevnetSummary } from '../devnet/summary.js'
import { addCommand } from './command.js'

const options = defineOptions({
  dataDir: {
    flag: 'data-dir',
    argument: '<path>',
    description: 'the devnet folder (holds devnet.json)',
    schema: z.string().min(1),
    default: '.avskit',
  },
  operator: {
    flag: 'operator',
    argument: '<address|index>',
    description: 'the devnet operator: its index in the devnet summary or its address',
    schema: z.string().min(1),
    required: true,
  },
  shares: {
    flag: 'shares',
    argument: '<amount>',
    description: 'new delegated shares in every strategy, in ether (1e18 shares), e.g. 2500 or 0.5',
    schema: z
      .string()
      .regex(/^\d+(\.\d{1,18})?$/, { message: 'expected a non-negative decimal amount of ether, like 2500 or 0.5' })
      .transform((v) => parseEther(v)),
    required: true,
  },
})

export function registerDevnetStakeCommand(devnet: Command): void {
  addCommand(devnet, {
    name: 'stake',
    description:
      "set a devnet operator's delegated shares (the DelegationManager stand-in); stake sync then updates its stake",
    options,
    async run({ options, logger }) {
      const summary = await readDevnetSummary(options.dataDir)
      if (!summary) {
        throw new InvalidInputError(`No devnet in ${options.dataDir} (no devnet.json): start one with avskit devnet.`)
      }
      const client = await createChainClient({ url: summary.rpcUrl })
      const result = await setOperatorShares({
        summary,
        client,
        operator: options.operator,
        shares: options.shares,
        logger,
      })
      const previous = [...new Set(result.previousShares.map((s) => formatEther(s)))].join('/')
      const lines = [
        `operator #${result.operator.index} ${result.operator.address}: shares ${previous} → ${formatEther(result.shares)} in each strategy`,
        ...result.quorums.map(
          (q) =>
            `  quorum ${q.quorumNumber}: recorded stake ${formatEther(q.recorded)}, weight now ${formatEther(q.weight)}${
              q.recorded === q.weight ? '' : ' (stake sync updates it at its next round)'
            }`,
        ),
      ]
      process.stdout.write(`${lines.join('\n')}\n`)
      return 0
    },
  })
}
