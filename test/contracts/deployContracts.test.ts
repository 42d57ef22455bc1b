import { createPublicClient, createWalletClient, getAddress, http, zeroAddress } from 'viem'
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
import { createQuorumArgs, deployContracts, devnetStrategyAddress } from '../../src/devnet/deployContracts.js'
import { anvilAccounts, useAnvil } from '../anvil.js'

describe('deployContracts', () => {
  const chain = useAnvil()

  test('deploys every contract and wires the registries to the coordinator', async () => {
    const account = privateKeyToAccount(anvilAccounts[0])
    const publicClient = createPublicClient({ chain: foundry, transport: http(chain.rpcUrl), cacheTime: 0 })
    const walletClient = createWalletClient({ account, chain: foundry, transport: http(chain.rpcUrl) })
    const steps: string[] = []
    const contracts = await deployContracts({ publicClient, walletClient, onProgress: (step) => steps.push(step) })

    expect(steps).toHaveLength(10)
    for (const [name, address] of Object.entries(contracts)) {
      if (name === 'strategies') continue
      const code = await publicClient.getCode({ address: address as `0x${string}` })
      expect(code?.length, name).toBeGreaterThan(2)
    }
    const read = <const abi extends readonly unknown[]>(address: `0x${string}`, abi: abi, functionName: string) =>
      publicClient.readContract({ address, abi: abi as never, functionName } as never) as Promise<unknown>
    expect(await read(contracts.registryCoordinator, registryCoordinatorAbi, 'stakeRegistry')).toBe(
      contracts.stakeRegistry,
    )
    expect(await read(contracts.registryCoordinator, registryCoordinatorAbi, 'blsApkRegistry')).toBe(
      contracts.blsApkRegistry,
    )
    expect(await read(contracts.registryCoordinator, registryCoordinatorAbi, 'indexRegistry')).toBe(
      contracts.indexRegistry,
    )
    expect(await read(contracts.registryCoordinator, registryCoordinatorAbi, 'serviceManager')).toBe(
      contracts.serviceManager,
    )
    expect(await read(contracts.registryCoordinator, registryCoordinatorAbi, 'owner')).toBe(account.address)
    expect(await read(contracts.stakeRegistry, stakeRegistryAbi, 'registryCoordinator')).toBe(
      contracts.registryCoordinator,
    )
    expect(await read(contracts.stakeRegistry, stakeRegistryAbi, 'delegation')).toBe(contracts.delegationManager)
    expect(await read(contracts.blsApkRegistry, blsApkRegistryAbi, 'registryCoordinator')).toBe(
      contracts.registryCoordinator,
    )
    expect(await read(contracts.indexRegistry, indexRegistryAbi, 'registryCoordinator')).toBe(
      contracts.registryCoordinator,
    )
    expect(await read(contracts.serviceManager, serviceManagerAbi, 'avsDirectory')).toBe(contracts.avsDirectory)
    expect(await read(contracts.serviceManager, serviceManagerAbi, 'delegation')).toBe(contracts.delegationManager)
    expect(await read(contracts.taskManager, taskManagerAbi, 'signatureChecker')).toBe(contracts.serviceManager)
    expect(await read(contracts.taskManager, taskManagerAbi, 'aggregator')).toBe(zeroAddress)
    expect(contracts.strategies).toEqual([devnetStrategyAddress(0), devnetStrategyAddress(1)])
    expect(getAddress(contracts.strategies[0]!)).toBe(contracts.strategies[0])

    await walletClient.writeContract({
      address: contracts.registryCoordinator,
      abi: registryCoordinatorAbi,
      functionName: 'createQuorum',
      args: createQuorumArgs({ strategies: contracts.strategies }),
    })
    expect(await read(contracts.registryCoordinator, registryCoordinatorAbi, 'quorumCount')).toBe(1)
  })
})
