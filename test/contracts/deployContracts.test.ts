import { type Address, createPublicClient, http, zeroAddress } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { foundry } from 'viem/chains'
import { describe, expect, test } from 'vitest'
import {
  blsApkRegistryAbi,
  indexRegistryAbi,
  registryCoordinatorAbi,
  serviceManagerAbi,
  stakeRegistryAbi,
  taskManagerAbi,
} from '../../src/chain/artifacts/index.js'
import {
  createQuorumArgs,
  type DevnetContracts,
  deployContracts,
  devnetStrategyAddress,
} from '../../src/devnet/deployContracts.js'
import { anvilAccounts, useAnvil } from '../anvil.js'
import { send, walletFor } from './contractsFixture.js'

describe('deployContracts', () => {
  const chain = useAnvil()

  async function expectWired(contracts: DevnetContracts, owner: Address) {
    const client = createPublicClient({ chain: foundry, transport: http(chain.rpcUrl) })
    for (const [name, address] of Object.entries(contracts)) {
      if (name === 'strategies') continue
      expect((await client.getCode({ address: address as Address }))?.length, name).toBeGreaterThan(2)
    }
    const coordinator = { address: contracts.registryCoordinator, abi: registryCoordinatorAbi } as const
    expect(await client.readContract({ ...coordinator, functionName: 'stakeRegistry' })).toBe(contracts.stakeRegistry)
    expect(await client.readContract({ ...coordinator, functionName: 'blsApkRegistry' })).toBe(contracts.blsApkRegistry)
    expect(await client.readContract({ ...coordinator, functionName: 'indexRegistry' })).toBe(contracts.indexRegistry)
    expect(await client.readContract({ ...coordinator, functionName: 'serviceManager' })).toBe(contracts.serviceManager)
    expect(await client.readContract({ ...coordinator, functionName: 'owner' })).toBe(owner)
    expect(await client.readContract({ ...coordinator, functionName: 'numRegistries' })).toBe(3n)
    for (const [address, abi] of [
      [contracts.stakeRegistry, stakeRegistryAbi],
      [contracts.blsApkRegistry, blsApkRegistryAbi],
      [contracts.indexRegistry, indexRegistryAbi],
    ] as const) {
      expect(await client.readContract({ address, abi, functionName: 'registryCoordinator' })).toBe(
        contracts.registryCoordinator,
      )
    }
    const serviceManager = { address: contracts.serviceManager, abi: serviceManagerAbi } as const
    expect(await client.readContract({ ...serviceManager, functionName: 'avsDirectory' })).toBe(contracts.avsDirectory)
    expect(await client.readContract({ ...serviceManager, functionName: 'delegation' })).toBe(
      contracts.delegationManager,
    )
    expect(await client.readContract({ ...serviceManager, functionName: 'owner' })).toBe(owner)
    const taskManager = { address: contracts.taskManager, abi: taskManagerAbi } as const
    expect(await client.readContract({ ...taskManager, functionName: 'signatureChecker' })).toBe(
      contracts.serviceManager,
    )
    expect(await client.readContract({ ...taskManager, functionName: 'aggregator' })).toBe(zeroAddress)
    expect(await client.readContract({ ...taskManager, functionName: 'owner' })).toBe(owner)
  }

  test('deploys every contract wired to the others, with placeholder strategies', async () => {
    const publicClient = createPublicClient({ chain: foundry, transport: http(chain.rpcUrl), cacheTime: 0 })
    const walletClient = walletFor(chain.rpcUrl, privateKeyToAccount(anvilAccounts[0]))
    const steps: string[] = []
    const contracts = await deployContracts({ publicClient, walletClient, onProgress: (step) => steps.push(step) })
    expect(steps).toHaveLength(10)
    expect(steps[0]).toBe('deploy DelegationManager (1/10)')
    await expectWired(contracts, walletClient.account.address)
    expect(contracts.strategies).toEqual([devnetStrategyAddress(0), devnetStrategyAddress(1)])

    await send({ publicClient }, walletClient, {
      address: contracts.registryCoordinator,
      abi: registryCoordinatorAbi,
      functionName: 'createQuorum',
      args: createQuorumArgs({ strategies: contracts.strategies, maxOperatorCount: 5 }),
    })
    const coordinator = { address: contracts.registryCoordinator, abi: registryCoordinatorAbi } as const
    expect(await publicClient.readContract({ ...coordinator, functionName: 'quorumCount' })).toBe(1)
    expect(
      await publicClient.readContract({ ...coordinator, functionName: 'getOperatorSetParams', args: [0] }),
    ).toEqual({ maxOperatorCount: 5, kickBIPsOfOperatorStake: 11_000, kickBIPsOfTotalStake: 50 })
  })

  test('deploys again from an account that already sent transactions, for another owner', async () => {
    const publicClient = createPublicClient({ chain: foundry, transport: http(chain.rpcUrl), cacheTime: 0 })
    const walletClient = walletFor(chain.rpcUrl, privateKeyToAccount(anvilAccounts[0]))
    const owner = privateKeyToAccount(anvilAccounts[5]).address
    const contracts = await deployContracts({ publicClient, walletClient, owner, strategyCount: 3 })
    await expectWired(contracts, owner)
    expect(contracts.strategies).toHaveLength(3)
  })
})
