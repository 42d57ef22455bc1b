/**
 * A NetworkRegistry on its own anvil, for exporter tests and benchmarks that need many registry events fast:
 * validators go in large `bulkRegisterValidator` transactions sent without simulation or gas estimation (one
 * EVM execution each), and a seeded chain is kept as an anvil state file so later runs load it in a second.
 */
import { mkdir, rename, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  type Address,
  type Chain,
  createPublicClient,
  createWalletClient,
  type Hex,
  http,
  keccak256,
  type PublicClient,
  type Transport,
} from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { foundry } from 'viem/chains'
import { networkRegistryAbi, networkRegistryBytecode } from '../../src/chain/artifacts/index.js'
import { type Anvil, startAnvil } from '../../src/devnet/anvil.js'
import { devnetOperatorPublicKey, devnetValidatorPublicKey } from '../../src/devnet/seedNetworkRegistry.js'
import { anvilAccounts } from '../anvil.js'

export type RegistryChain = {
  anvil: Anvil
  rpcUrl: string
  client: PublicClient<Transport, Chain>
  registry: Address
  /** Block of the registry's deployment. */
  deploymentBlock: bigint
  /** Registers operators (ids continue the registry's); returns their ids. */
  addOperators(count: number, seed?: number): Promise<bigint[]>
  /** Registers validators over `operatorIds` in transactions of `perTransaction`. */
  addValidators(parameters: {
    from: number
    count: number
    operatorIds: bigint[]
    perTransaction?: number
  }): Promise<void>
  removeOperator(operatorId: bigint): Promise<void>
  stop(): Promise<void>
}

const account = privateKeyToAccount(anvilAccounts[0])
// Well above the gas of a 5,000-validator bulk registration (~55k gas each).
const gasLimit = 2_000_000_000n

/**
 * Starts anvil (a fresh chain, or the chain saved at `statePath`) and deploys the registry when it is not there.
 */
export async function startRegistryChain(
  parameters: { statePath?: string | undefined; loadStatePath?: string | undefined } = {},
): Promise<RegistryChain> {
  const anvil = await startAnvil({
    args: [
      '--gas-limit',
      gasLimit.toString(),
      ...(parameters.loadStatePath ? ['--load-state', parameters.loadStatePath] : []),
    ],
    ...(parameters.statePath ? { statePath: parameters.statePath } : {}),
  })
  const chain = { ...foundry, rpcUrls: { default: { http: [anvil.rpcUrl] } } } as Chain
  const client = createPublicClient({ chain, transport: http(anvil.rpcUrl), cacheTime: 0 })
  const wallet = createWalletClient({ chain, transport: http(anvil.rpcUrl), account })
  const send = async (data: { functionName: string; args: readonly unknown[]; gas: bigint }) => {
    const hash = await wallet.writeContract({
      address: registry,
      abi: networkRegistryAbi,
      functionName: data.functionName as never,
      args: data.args as never,
      gas: data.gas,
    } as never)
    const receipt = await client.waitForTransactionReceipt({ hash })
    if (receipt.status !== 'success') throw new Error(`${data.functionName} reverted (${hash})`)
    return receipt
  }

  let registry: Address
  let deploymentBlock: bigint
  const deployed = await findRegistry(client)
  if (deployed) {
    registry = deployed.address
    deploymentBlock = deployed.block
  } else {
    const hash = await wallet.deployContract({ abi: networkRegistryAbi, bytecode: networkRegistryBytecode })
    const receipt = await client.waitForTransactionReceipt({ hash })
    registry = receipt.contractAddress as Address
    deploymentBlock = receipt.blockNumber
  }

  return {
    anvil,
    rpcUrl: anvil.rpcUrl,
    client,
    registry,
    deploymentBlock,
    async addOperators(count, seed = 0) {
      const ids: bigint[] = []
      const first = await client.readContract({
        address: registry,
        abi: networkRegistryAbi,
        functionName: 'lastOperatorId',
      })
      for (let i = 0; i < count; i++) {
        const key = devnetOperatorPublicKey(seed, Number(first) + i)
        await send({ functionName: 'registerOperator', args: [key, BigInt(i)], gas: 300_000n })
        ids.push(first + BigInt(i) + 1n)
      }
      return ids
    },
    async addValidators({ from, count, operatorIds, perTransaction = 5_000 }) {
      for (let start = from; start < from + count; start += perTransaction) {
        const n = Math.min(perTransaction, from + count - start)
        const keys = Array.from({ length: n }, (_, k) => devnetValidatorPublicKey(0, start + k))
        await send({
          functionName: 'bulkRegisterValidator',
          args: [keys, operatorIds, keys.map(() => '0x' as Hex)],
          gas: 200_000n + BigInt(n) * 80_000n,
        })
      }
    },
    async removeOperator(operatorId) {
      await send({ functionName: 'removeOperator', args: [operatorId], gas: 200_000n })
    },
    stop: () => anvil.stop(),
  }
}

/** The first contract deployed by the test account, when its code is the registry's. */
async function findRegistry(client: PublicClient<Transport, Chain>) {
  const nonce = await client.getTransactionCount({ address: account.address })
  if (nonce === 0) return undefined
  const { getContractAddress } = await import('viem')
  const address = getContractAddress({ from: account.address, nonce: 0n })
  const code = await client.getCode({ address })
  if (!code || code === '0x') return undefined
  return { address, block: 1n }
}

/**
 * A chain with `operators` operators and `validators` validators (1,000 per block, over groups of four operators), built once per
 * machine and cached as an anvil state file in the temporary folder (keyed by the registry's bytecode and the
 * counts); returns the running chain.
 */
export async function startSeededRegistryChain(parameters: { operators: number; validators: number }) {
  const perTransaction = 1_000
  const key = keccak256(
    `${networkRegistryBytecode}${parameters.operators}:${parameters.validators}:${perTransaction}` as Hex,
  ).slice(2, 14)
  const folder = join(tmpdir(), 'avskit-registry-chains')
  await mkdir(folder, { recursive: true })
  const cached = join(folder, `${key}.json`)
  if (await exists(cached)) return startRegistryChain({ loadStatePath: cached })
  const building = join(folder, `${key}.${process.pid}.json`)
  const chain = await startRegistryChain({ statePath: building })
  const ids = await chain.addOperators(parameters.operators)
  const groups = Math.max(1, Math.floor(ids.length / 4))
  for (let start = 0; start < parameters.validators; start += perTransaction) {
    const group = (start / perTransaction) % groups
    await chain.addValidators({
      from: start,
      count: Math.min(perTransaction, parameters.validators - start),
      operatorIds: ids.slice(group * 4, group * 4 + 4),
      perTransaction,
    })
  }
  await chain.stop() // dumps the state
  await rename(building, cached)
  return startRegistryChain({ loadStatePath: cached })
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  )
}
