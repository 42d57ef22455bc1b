/**
 * Real logs on a test's anvil for log sync tests: a NetworkRegistry deployed alone, and blocks of
 * `registerOperator` / `registerValidator` transactions. Automine is switched off while a block's transactions
 * are sent (with explicit nonces and gas, so nothing waits on a receipt), then one block is mined with all of
 * them: many logs per block without many blocks. Empty blocks in between make ranges with nothing in them.
 */
import { type Address, createPublicClient, createTestClient, type Hex, http, toEventSelector, toHex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { foundry } from 'viem/chains'
import { networkRegistryAbi, networkRegistryBytecode } from '../../src/chain/artifacts/index.js'
import type { LogFilter } from '../../src/chain/logSync/index.js'
import { anvilAccounts } from '../anvil.js'
import { walletFor } from '../contracts/contractsFixture.js'

export type RegistryChain = {
  rpcUrl: string
  registry: Address
  filter: LogFilter
  publicClient: ReturnType<typeof createPublicClient>
  testClient: ReturnType<typeof createTestClient>
}

export async function deployRegistry(rpcUrl: string): Promise<RegistryChain> {
  const publicClient = createPublicClient({ chain: foundry, transport: http(rpcUrl), cacheTime: 0 })
  const testClient = createTestClient({ chain: foundry, mode: 'anvil', transport: http(rpcUrl) })
  const wallet = walletFor(rpcUrl, privateKeyToAccount(anvilAccounts[0]))
  const hash = await wallet.deployContract({ abi: networkRegistryAbi, bytecode: networkRegistryBytecode })
  const receipt = await publicClient.waitForTransactionReceipt({ hash })
  const registry = receipt.contractAddress!
  const topic0s = networkRegistryAbi.filter((item) => item.type === 'event').map((item) => toEventSelector(item))
  return { rpcUrl, registry, filter: { addresses: [registry], topic0s }, publicClient, testClient }
}

export type EmitRegistryLogsParameters = {
  /** Blocks with logs to mine. */
  blocks: number
  /** registerOperator transactions per block; every fourth block also registers a validator. */
  perBlock: number
  /** Empty blocks mined after each block with logs. */
  emptyBlocksAfter?: number | undefined
  /** Makes the public keys (and so the logs and block hashes) differ between calls. */
  seed: string
  /** anvil account index that sends (1–9); one account per concurrent emitter. */
  account?: number | undefined
}

/** Mines the blocks; returns the number of logs emitted. */
export async function emitRegistryLogs(chain: RegistryChain, parameters: EmitRegistryLogsParameters): Promise<number> {
  const account = privateKeyToAccount(anvilAccounts[parameters.account ?? 1]!)
  const wallet = walletFor(chain.rpcUrl, account)
  let nonce = await chain.publicClient.getTransactionCount({ address: account.address, blockTag: 'latest' })
  let lastOperatorId = await chain.publicClient.readContract({
    address: chain.registry,
    abi: networkRegistryAbi,
    functionName: 'lastOperatorId',
  })
  let emitted = 0
  await chain.testClient.setAutomine(false)
  try {
    for (let block = 0; block < parameters.blocks; block++) {
      for (let i = 0; i < parameters.perBlock; i++) {
        await wallet.writeContract({
          address: chain.registry,
          abi: networkRegistryAbi,
          functionName: 'registerOperator',
          args: [toHex(`operator ${parameters.seed} ${block} ${i}`), BigInt(i)],
          nonce: nonce++,
          gas: 300_000n,
        })
        emitted++
      }
      if (block % 4 === 3 && lastOperatorId > 1n) {
        const publicKey = toHex(`${parameters.seed}:${block}`.padEnd(48, '.').slice(0, 48)) as Hex
        await wallet.writeContract({
          address: chain.registry,
          abi: networkRegistryAbi,
          functionName: 'registerValidator',
          args: [publicKey, [1n, lastOperatorId], '0xabcdef'],
          nonce: nonce++,
          gas: 500_000n,
        })
        emitted++
      }
      await chain.testClient.mine({ blocks: 1 })
      lastOperatorId += BigInt(parameters.perBlock)
      if (parameters.emptyBlocksAfter) await chain.testClient.mine({ blocks: parameters.emptyBlocksAfter })
    }
  } finally {
    await chain.testClient.setAutomine(true)
  }
  return emitted
}
