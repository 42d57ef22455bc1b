/** `avskit register`: registers an operator with any EigenLayer M2 RegistryCoordinator. */
import type { Command } from 'commander'
import { privateKeyToAccount } from 'viem/accounts'
import { z } from 'zod'
import { createChainClient } from '../chain/clients.js'
import { registerOperator } from '../chain/registerOperator.js'
import { createTransactionSender } from '../chain/transactionSender.js'
import { defineOptions } from '../core/config.js'
import { initBn254 } from '../crypto/index.js'
import { addCommand } from './command.js'
import { ethHttpUrlOption, quorumsSchema, registryCoordinatorOption, requiredOption } from './commonOptions.js'
import { blsKeystoreOptions, ecdsaKeystoreOptions, openBlsKeystore, openEcdsaKeystore } from './keyOptions.js'
import { printJson } from './output.js'

const options = defineOptions({
  ...requiredOption(ethHttpUrlOption),
  ...registryCoordinatorOption,
  ...ecdsaKeystoreOptions,
  ...blsKeystoreOptions,
  quorums: {
    flag: 'quorums',
    argument: '<list>',
    description: 'quorums to join, e.g. 0,1',
    schema: quorumsSchema,
    required: true,
  },
  socket: {
    flag: 'socket',
    argument: '<host:port>',
    description: 'where the operator serves AVS traffic',
    schema: z.string().min(1).max(256, { message: 'expected at most 256 characters' }),
    required: true,
  },
})

export function registerRegisterCommand(program: Command): void {
  addCommand(program, {
    name: 'register',
    description: 'register an operator (ECDSA + BLS keystores) in quorums of an M2 RegistryCoordinator',
    options,
    async run({ options, logger }) {
      await initBn254()
      const ecdsa = await openEcdsaKeystore(options)
      const bls = await openBlsKeystore(options)
      const client = await createChainClient({ url: options.ethHttpUrl })
      const operator = privateKeyToAccount(ecdsa.privateKey)
      const { operatorId, receipt } = await registerOperator({
        client,
        sender: createTransactionSender({ client, account: operator, logger }),
        operator,
        blsKeyPair: bls.keyPair,
        registryCoordinator: options.registryCoordinator,
        quorumNumbers: options.quorums,
        socket: options.socket,
      })
      printJson({
        operator: operator.address,
        operatorId,
        quorums: options.quorums,
        transactionHash: receipt.transactionHash,
        blockNumber: receipt.blockNumber,
      })
      return 0
    },
  })
}
