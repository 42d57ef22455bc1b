/**
 * Deploys the devnet contracts (`contracts/*.sol`, artifacts in `src/chain/artifacts/`) and wires them together.
 *
 * The M2 contracts refer to each other in both directions (the registries know the registry coordinator, the
 * coordinator knows the registries and the ServiceManager), which M2 resolves with proxies. Here every contract is
 * plain and immutable: the coordinator's address is computed in advance from the deployer's nonce
 * (CREATE address = keccak256(rlp(deployer, nonce))) and passed to the contracts deployed before it. Transactions are
 * therefore sent serially from one account with explicit nonces, each awaited (anvil also strands concurrent sends
 * from one account); a contract that lands elsewhere than predicted stops the deployment with an error.
 *
 * Strategies are not contracts: the devnet DelegationManager only uses them as keys of `operatorShares`, so they are
 * fixed placeholder addresses (`devnetStrategyAddress(i)`), the same on every devnet.
 */
import {
  type Abi,
  type Account,
  type Address,
  type Chain,
  getAddress,
  getContractAddress,
  type Hex,
  keccak256,
  type PublicClient,
  parseEther,
  slice,
  stringToBytes,
  type Transport,
  type WalletClient,
  zeroAddress,
} from 'viem'
import {
  avsDirectoryAbi,
  avsDirectoryBytecode,
  blsApkRegistryAbi,
  blsApkRegistryBytecode,
  delegationManagerAbi,
  delegationManagerBytecode,
  indexRegistryAbi,
  indexRegistryBytecode,
  networkRegistryAbi,
  networkRegistryBytecode,
  operatorStateRetrieverAbi,
  operatorStateRetrieverBytecode,
  registryCoordinatorAbi,
  registryCoordinatorBytecode,
  serviceManagerAbi,
  serviceManagerBytecode,
  stakeRegistryAbi,
  stakeRegistryBytecode,
  taskManagerAbi,
  taskManagerBytecode,
} from '../chain/artifacts/index.js'
import { BaseError } from '../core/errors.js'

export type DevnetContracts = {
  delegationManager: Address
  avsDirectory: Address
  registryCoordinator: Address
  stakeRegistry: Address
  blsApkRegistry: Address
  indexRegistry: Address
  operatorStateRetriever: Address
  /** Also the BLS signature checker (`checkSignatures`). */
  serviceManager: Address
  taskManager: Address
  networkRegistry: Address
  /** Placeholder strategy addresses (keys of `DelegationManager.operatorShares`). */
  strategies: Address[]
}

export type DeployContractsParameters = {
  publicClient: PublicClient<Transport, Chain | undefined>
  /** Its account deploys everything; nothing else may send from that account meanwhile. */
  walletClient: WalletClient<Transport, Chain | undefined, Account>
  /** Owner of the DelegationManager, RegistryCoordinator, ServiceManager and TaskManager; default: the deployer. */
  owner?: Address | undefined
  /** Only address allowed to respond to tasks; default: anyone (zero address). */
  aggregator?: Address | undefined
  /** Only address allowed to create tasks; default: anyone (zero address). */
  generator?: Address | undefined
  /** Blocks after a task's creation within which a response is accepted; default 10 000. */
  taskResponseWindowBlock?: number | undefined
  /** Number of placeholder strategies; default 2. */
  strategyCount?: number | undefined
  onProgress?: ((step: string) => void) | undefined
}

export type DeployContractsReturnType = DevnetContracts

/**
 * Deploys DelegationManager, AVSDirectory, StakeRegistry, BLSApkRegistry, IndexRegistry, ServiceManager,
 * RegistryCoordinator, OperatorStateRetriever, TaskManager and NetworkRegistry, in that order. Creates no quorums
 * (see `createQuorumArgs`).
 *
 * @example
 * const contracts = await deployContracts({ publicClient, walletClient, onProgress: (step) => console.log(step) })
 * await walletClient.writeContract({
 *   address: contracts.registryCoordinator,
 *   abi: registryCoordinatorAbi,
 *   functionName: 'createQuorum',
 *   args: createQuorumArgs({ strategies: contracts.strategies }),
 * })
 */
export async function deployContracts(parameters: DeployContractsParameters): Promise<DeployContractsReturnType> {
  const { publicClient, walletClient, onProgress } = parameters
  const deployer = walletClient.account.address
  const owner = parameters.owner ?? deployer
  const firstNonce = await publicClient.getTransactionCount({ address: deployer, blockTag: 'pending' })
  const addressAt = (step: number) => getContractAddress({ from: deployer, nonce: BigInt(firstNonce + step) })

  let step = 0
  const totalSteps = 10
  async function deploy(name: string, abi: Abi, bytecode: Hex, args: readonly unknown[]): Promise<Address> {
    const expected = addressAt(step)
    const nonce = firstNonce + step
    step++
    onProgress?.(`deploy ${name} (${step}/${totalSteps})`)
    let receipt: Awaited<ReturnType<typeof publicClient.waitForTransactionReceipt>>
    try {
      const hash = await walletClient.deployContract({
        abi,
        bytecode,
        args,
        nonce,
        account: walletClient.account,
        chain: walletClient.chain,
      } as never)
      receipt = await publicClient.waitForTransactionReceipt({ hash })
    } catch (cause) {
      throw new BaseError(`Deploying ${name} failed.`, { cause })
    }
    if (receipt.status !== 'success') {
      throw new BaseError(`Deploying ${name} reverted (transaction ${receipt.transactionHash}).`)
    }
    if (!receipt.contractAddress || getAddress(receipt.contractAddress) !== expected) {
      throw new BaseError(`${name} was deployed at ${receipt.contractAddress}, not at ${expected} as planned.`, {
        metaMessages: [
          `Another transaction from ${deployer} was sent during the deployment; deploy from an account nothing else uses.`,
        ],
      })
    }
    return expected
  }

  // Planned addresses of the contracts that others take in their constructors (see the step order below).
  const registryCoordinator = addressAt(6)

  const delegationManager = await deploy('DelegationManager', delegationManagerAbi, delegationManagerBytecode, [owner])
  const avsDirectory = await deploy('AVSDirectory', avsDirectoryAbi, avsDirectoryBytecode, [delegationManager])
  const stakeRegistry = await deploy('StakeRegistry', stakeRegistryAbi, stakeRegistryBytecode, [
    registryCoordinator,
    delegationManager,
  ])
  const blsApkRegistry = await deploy('BLSApkRegistry', blsApkRegistryAbi, blsApkRegistryBytecode, [
    registryCoordinator,
  ])
  const indexRegistry = await deploy('IndexRegistry', indexRegistryAbi, indexRegistryBytecode, [registryCoordinator])
  const serviceManager = await deploy('ServiceManager', serviceManagerAbi, serviceManagerBytecode, [
    avsDirectory,
    registryCoordinator,
    stakeRegistry,
    blsApkRegistry,
    owner,
  ])
  await deploy('RegistryCoordinator', registryCoordinatorAbi, registryCoordinatorBytecode, [
    serviceManager,
    stakeRegistry,
    blsApkRegistry,
    indexRegistry,
    owner,
  ])
  const operatorStateRetriever = await deploy(
    'OperatorStateRetriever',
    operatorStateRetrieverAbi,
    operatorStateRetrieverBytecode,
    [],
  )
  const taskManager = await deploy('TaskManager', taskManagerAbi, taskManagerBytecode, [
    serviceManager,
    owner,
    parameters.aggregator ?? zeroAddress,
    parameters.generator ?? zeroAddress,
    parameters.taskResponseWindowBlock ?? 10_000,
  ])
  const networkRegistry = await deploy('NetworkRegistry', networkRegistryAbi, networkRegistryBytecode, [])

  const strategyCount = parameters.strategyCount ?? 2
  return {
    delegationManager,
    avsDirectory,
    registryCoordinator,
    stakeRegistry,
    blsApkRegistry,
    indexRegistry,
    operatorStateRetriever,
    serviceManager,
    taskManager,
    networkRegistry,
    strategies: Array.from({ length: strategyCount }, (_, index) => devnetStrategyAddress(index)),
  }
}

/** Placeholder address of devnet strategy `index`: the last 20 bytes of keccak256("avskit devnet strategy <index>"). */
export function devnetStrategyAddress(index: number): Address {
  return getAddress(slice(keccak256(stringToBytes(`avskit devnet strategy ${index}`)), 12))
}

export type CreateQuorumArgsParameters = {
  strategies: readonly Address[]
  /** Default 200. Registrations beyond it are refused (the devnet has no churn). */
  maxOperatorCount?: number | undefined
  /** Minimum weighted stake to register; default 1 ether of weight. */
  minimumStake?: bigint | undefined
  /** Weight per share of every strategy, scaled by 1e18; default 1e18 (weight = shares). */
  multiplier?: bigint | undefined
}

/**
 * The arguments of `RegistryCoordinator.createQuorum(operatorSetParams, minimumStake, strategyParams)`.
 * The kick parameters are the M2 defaults; they are unused without churn.
 */
export function createQuorumArgs(parameters: CreateQuorumArgsParameters) {
  const multiplier = parameters.multiplier ?? parseEther('1')
  return [
    {
      maxOperatorCount: parameters.maxOperatorCount ?? 200,
      kickBIPsOfOperatorStake: 11_000,
      kickBIPsOfTotalStake: 50,
    },
    parameters.minimumStake ?? parseEther('1'),
    parameters.strategies.map((strategy) => ({ strategy, multiplier })),
  ] as const
}
