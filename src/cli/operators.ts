/** `avskit operators`: each quorum's registered operators with id and stake, at the latest or a given block. */
import type { Command } from 'commander'
import { formatEther } from 'viem'
import { z } from 'zod'
import { createChainClient } from '../chain/clients.js'
import { getOperatorState } from '../chain/getOperatorState.js'
import { getQuorumCount } from '../chain/getQuorumCount.js'
import { defineOptions } from '../core/config.js'
import { InvalidInputError } from '../core/errors.js'
import { addCommand } from './command.js'
import {
  addressSchema,
  ethHttpUrlOption,
  quorumsSchema,
  registryCoordinatorOption,
  requiredOption,
} from './commonOptions.js'
import { formatTable, printJson } from './output.js'

const options = defineOptions({
  ...requiredOption(ethHttpUrlOption),
  ...registryCoordinatorOption,
  operatorStateRetriever: {
    flag: 'operator-state-retriever-addr',
    argument: '<address>',
    description: 'OperatorStateRetriever address',
    schema: addressSchema,
    required: true,
  },
  quorums: {
    flag: 'quorums',
    argument: '<list>',
    description: 'quorum numbers, e.g. 0,1 (default: every quorum)',
    schema: quorumsSchema,
  },
  block: {
    flag: 'block',
    argument: '<number>',
    description: 'reference block (default: latest)',
    schema: z.coerce.bigint({ message: 'expected a block number' }).nonnegative(),
  },
  json: { flag: 'json', description: 'print JSON even in a terminal', schema: z.boolean(), default: false },
})

export function registerOperatorsCommand(program: Command): void {
  addCommand(program, {
    name: 'operators',
    description: "list each quorum's registered operators with their id and stake",
    options,
    async run({ options }) {
      const { registryCoordinator, operatorStateRetriever } = options
      const client = await createChainClient({ url: options.ethHttpUrl })
      const count = await getQuorumCount({ client, registryCoordinator })
      const quorumNumbers = options.quorums ?? Array.from({ length: count }, (_, i) => i)
      const unknown = quorumNumbers.filter((q) => q >= count)
      if (unknown.length > 0) {
        throw new InvalidInputError(
          `Quorum ${unknown.join(', ')} does not exist: the RegistryCoordinator has ${count}.`,
        )
      }
      const state = await getOperatorState({
        client,
        operatorStateRetriever,
        registryCoordinator,
        quorumNumbers,
        blockNumber: options.block,
      })
      if (options.json || !process.stdout.isTTY) {
        printJson(state)
        return 0
      }
      const rows = state.quorums.flatMap((q) =>
        q.operators.map((o) => [String(q.quorumNumber), o.address, o.operatorId, formatEther(o.stake)]),
      )
      process.stdout.write(
        `block ${state.blockNumber}\n${formatTable(['quorum', 'operator', 'operator id', 'stake'], rows)}\n`,
      )
      return 0
    },
  })
}
