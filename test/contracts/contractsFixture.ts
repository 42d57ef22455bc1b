/**
 * Shared set-up for the contract tests: deploy on a test's anvil, register operators the way a real operator does
 * (BLS key proof + ECDSA signature over the AVSDirectory digest), and build `checkSignatures` certificates with the
 * crypto/bn254 library and `OperatorStateRetriever.getCheckSignaturesIndices`.
 */
import {
  type Abi,
  type Account,
  type Address,
  BaseError,
  type Chain,
  ContractFunctionRevertedError,
  createPublicClient,
  createTestClient,
  createWalletClient,
  decodeErrorResult,
  type Hex,
  http,
  type PrivateKeyAccount,
  type PublicClient,
  type Transport,
  toHex,
  type WalletClient,
} from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { foundry } from 'viem/chains'
import { expect } from 'vitest'
import * as artifacts from '../../src/chain/artifacts/index.js'
import {
  delegationManagerAbi,
  operatorStateRetrieverAbi,
  registryCoordinatorAbi,
} from '../../src/chain/artifacts/index.js'
import {
  aggregateG1,
  aggregateG2,
  type BlsKeyPair,
  blsKeyPairFromPrivateKey,
  G1_INFINITY,
  type G1Point,
  g1ToStruct,
  g2ToStruct,
  pubkeyRegistrationMessageHash,
  pubkeyRegistrationParams,
  signDigest,
} from '../../src/crypto/index.js'
import {
  type CreateQuorumArgsParameters,
  createQuorumArgs,
  type DevnetContracts,
  deployContracts,
} from '../../src/devnet/deployContracts.js'
import { anvilAccounts } from '../anvil.js'

export type Wallet = WalletClient<Transport, Chain, Account>

export type ContractsFixture = {
  rpcUrl: string
  publicClient: PublicClient<Transport, Chain>
  testClient: ReturnType<typeof createTestClient>
  owner: Wallet
  contracts: DevnetContracts
}

export type TestOperator = {
  account: PrivateKeyAccount
  wallet: Wallet
  bls: BlsKeyPair
}

/** Every custom error of every devnet contract, to name reverts that bubble up from a callee. */
const allErrorsAbi = Object.entries(artifacts)
  .filter(([name]) => name.endsWith('Abi'))
  .flatMap(([, abi]) => (abi as Abi).filter((item) => item.type === 'error'))

export function walletFor(rpcUrl: string, account: Account): Wallet {
  return createWalletClient({ account, chain: foundry, transport: http(rpcUrl) })
}

/** Deploys the contracts from anvil account 0 and creates one quorum per entry, over both strategies. */
export async function deployFixture(
  rpcUrl: string,
  quorums: readonly Omit<CreateQuorumArgsParameters, 'strategies'>[] = [],
  options: { taskResponseWindowBlock?: number | undefined } = {},
): Promise<ContractsFixture> {
  const publicClient = createPublicClient({ chain: foundry, transport: http(rpcUrl), cacheTime: 0 })
  const testClient = createTestClient({ chain: foundry, mode: 'anvil', transport: http(rpcUrl) })
  const owner = walletFor(rpcUrl, privateKeyToAccount(anvilAccounts[0]))
  const contracts = await deployContracts({
    publicClient,
    walletClient: owner,
    taskResponseWindowBlock: options.taskResponseWindowBlock,
  })
  const fixture = { rpcUrl, publicClient, testClient, owner, contracts }
  for (const quorum of quorums) {
    await send(fixture, owner, {
      address: contracts.registryCoordinator,
      abi: registryCoordinatorAbi,
      functionName: 'createQuorum',
      args: createQuorumArgs({ ...quorum, strategies: contracts.strategies }),
    })
  }
  return fixture
}

/** Sends a contract call as a real transaction and returns its successful receipt. */
export async function send(
  fixture: Pick<ContractsFixture, 'publicClient'>,
  wallet: Wallet,
  request: Parameters<Wallet['writeContract']>[0] | Record<string, unknown>,
) {
  const hash = await wallet.writeContract(request as Parameters<Wallet['writeContract']>[0])
  const receipt = await fixture.publicClient.waitForTransactionReceipt({ hash })
  expect(receipt.status).toBe('success')
  return receipt
}

/** Asserts that `promise` rejects with the custom error `errorName` (decoded against every devnet contract). */
export async function expectRevert(promise: Promise<unknown>, errorName: string): Promise<readonly unknown[]> {
  let caught: unknown
  try {
    await promise
  } catch (error) {
    caught = error
  }
  expect(caught, `expected a revert with ${errorName}`).toBeInstanceOf(BaseError)
  const revert = (caught as BaseError).walk((error) => error instanceof ContractFunctionRevertedError)
  expect(revert, `expected a contract revert, got: ${String(caught)}`).toBeInstanceOf(ContractFunctionRevertedError)
  const raw = (revert as ContractFunctionRevertedError).raw
  expect(raw, 'revert data').toBeDefined()
  const decoded = decodeErrorResult({ abi: allErrorsAbi, data: raw as Hex })
  expect(decoded.errorName).toBe(errorName)
  return (decoded.args ?? []) as readonly unknown[]
}

export function quorumBytes(quorumNumbers: readonly number[]): Hex {
  return toHex(Uint8Array.from(quorumNumbers))
}

/** Operator `index` (anvil account index + 1) with BLS private key `blsPrivateKey`. */
export function makeOperator(rpcUrl: string, index: number, blsPrivateKey: bigint): TestOperator {
  const key = anvilAccounts[index + 1]
  if (!key) throw new Error(`anvil has no account ${index + 1}`)
  const account = privateKeyToAccount(key)
  return { account, wallet: walletFor(rpcUrl, account), bls: blsKeyPairFromPrivateKey(blsPrivateKey) }
}

/** Marks the operator in the DelegationManager and gives it `shares` in each strategy. */
export async function delegateStake(fixture: ContractsFixture, operator: Address, shares: readonly bigint[]) {
  const isOperator = await fixture.publicClient.readContract({
    address: fixture.contracts.delegationManager,
    abi: delegationManagerAbi,
    functionName: 'isOperator',
    args: [operator],
  })
  if (!isOperator) {
    await send(fixture, fixture.owner, {
      address: fixture.contracts.delegationManager,
      abi: delegationManagerAbi,
      functionName: 'registerOperatorFor',
      args: [operator],
    })
  }
  for (const [index, amount] of shares.entries()) {
    await send(fixture, fixture.owner, {
      address: fixture.contracts.delegationManager,
      abi: delegationManagerAbi,
      functionName: 'setOperatorShares',
      args: [operator, fixture.contracts.strategies[index]!, amount],
    })
  }
}

/** The operator's ECDSA signature over `AVSDirectory.calculateOperatorAVSRegistrationDigestHash`. */
export async function signAvsRegistration(
  fixture: ContractsFixture,
  operator: TestOperator,
  options: { salt?: Hex | undefined; expiry?: bigint | undefined } = {},
) {
  const salt = options.salt ?? toHex(crypto.getRandomValues(new Uint8Array(32)))
  const expiry = options.expiry ?? (await fixture.publicClient.getBlock()).timestamp + 3600n
  const digest = await fixture.publicClient.readContract({
    address: fixture.contracts.avsDirectory,
    abi: artifacts.avsDirectoryAbi,
    functionName: 'calculateOperatorAVSRegistrationDigestHash',
    args: [operator.account.address, fixture.contracts.serviceManager, salt, expiry],
  })
  // Raw digest, no EIP-191 prefix.
  const signature = await operator.account.sign({ hash: digest })
  return { signature, salt, expiry }
}

/** The arguments of `RegistryCoordinator.registerOperator` as a real operator builds them. */
export async function registrationArgs(
  fixture: ContractsFixture,
  operator: TestOperator,
  quorumNumbers: readonly number[],
  options: { salt?: Hex | undefined; expiry?: bigint | undefined; socket?: string | undefined } = {},
) {
  const messageHash = pubkeyRegistrationMessageHash({
    chainId: fixture.publicClient.chain.id,
    registryCoordinator: fixture.contracts.registryCoordinator,
    operator: operator.account.address,
  })
  const params = pubkeyRegistrationParams(operator.bls.privateKey, messageHash)
  return [
    quorumBytes(quorumNumbers),
    options.socket ?? `operator-${operator.account.address.slice(2, 8)}:9000`,
    {
      pubkeyRegistrationSignature: g1ToStruct(params.pubkeyRegistrationSignature),
      pubkeyG1: g1ToStruct(params.pubkeyG1),
      pubkeyG2: g2ToStruct(params.pubkeyG2),
    },
    await signAvsRegistration(fixture, operator, options),
  ] as const
}

export async function registerOperator(
  fixture: ContractsFixture,
  operator: TestOperator,
  quorumNumbers: readonly number[],
) {
  return send(fixture, operator.wallet, {
    address: fixture.contracts.registryCoordinator,
    abi: registryCoordinatorAbi,
    functionName: 'registerOperator',
    args: await registrationArgs(fixture, operator, quorumNumbers),
  })
}

export type OperatorStateEntry = { operator: Address; operatorId: Hex; stake: bigint }

/**
 * One overload of `OperatorStateRetriever.getOperatorState`: `bytes` (quorum numbers) or `bytes32` (operator id).
 * viem refuses the pair as ambiguous when the argument is a 32-byte hex string, so callers pass only the one meant.
 */
export function getOperatorStateOverload(secondParameter: 'bytes' | 'bytes32'): Abi {
  return operatorStateRetrieverAbi.filter(
    (item) => item.type === 'function' && item.name === 'getOperatorState' && item.inputs[1]?.type === secondParameter,
  )
}

/** Operator set of `quorumNumbers` at `blockNumber`, from the OperatorStateRetriever. */
export async function getOperatorState(
  fixture: ContractsFixture,
  quorumNumbers: readonly number[],
  blockNumber: number,
): Promise<readonly (readonly OperatorStateEntry[])[]> {
  return (await fixture.publicClient.readContract({
    address: fixture.contracts.operatorStateRetriever,
    abi: getOperatorStateOverload('bytes'),
    functionName: 'getOperatorState',
    args: [fixture.contracts.registryCoordinator, quorumBytes(quorumNumbers), blockNumber],
  })) as readonly (readonly OperatorStateEntry[])[]
}

export type BuildCertificateParameters = {
  msgHash: Hex
  quorumNumbers: readonly number[]
  referenceBlockNumber: number
  /** BLS keys of every operator that may appear, by operator id. */
  keys: ReadonlyMap<Hex, BlsKeyPair>
  /** Operators (by id) that do not sign. */
  nonSignerIds: readonly Hex[]
}

/**
 * The `NonSignerStakesAndSignature` for `checkSignatures(msgHash, quorumNumbers, referenceBlockNumber, ·)`: the
 * signers are every operator of the task's quorums at the reference block except the non-signers, and an operator
 * in k of the quorums counts k times in σ and apkG2 (as it does in Σ quorum apks).
 */
export async function buildNonSignerStakesAndSignature(fixture: ContractsFixture, p: BuildCertificateParameters) {
  const keyOf = (id: Hex) => {
    const key = p.keys.get(id)
    if (!key) throw new Error(`no BLS key for operator ${id}`)
    return key
  }
  const state = await getOperatorState(fixture, p.quorumNumbers, p.referenceBlockNumber)
  const nonSigners = new Set(p.nonSignerIds)
  const quorumApks: G1Point[] = []
  const signerEntries: BlsKeyPair[] = []
  for (const operators of state) {
    const keys = operators.map((operator) => keyOf(operator.operatorId))
    quorumApks.push(keys.length === 0 ? G1_INFINITY : aggregateG1(keys.map((key) => key.g1)))
    signerEntries.push(...keys.filter((key) => !nonSigners.has(key.operatorId)))
  }
  const signatures = new Map<Hex, G1Point>()
  for (const key of signerEntries) {
    if (!signatures.has(key.operatorId)) signatures.set(key.operatorId, signDigest(key.privateKey, p.msgHash))
  }
  const sortedNonSignerIds = [...p.nonSignerIds].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1))
  const indices = await fixture.publicClient.readContract({
    address: fixture.contracts.operatorStateRetriever,
    abi: operatorStateRetrieverAbi,
    functionName: 'getCheckSignaturesIndices',
    args: [
      fixture.contracts.registryCoordinator,
      p.referenceBlockNumber,
      quorumBytes(p.quorumNumbers),
      sortedNonSignerIds,
    ],
  })
  return {
    nonSignerQuorumBitmapIndices: indices.nonSignerQuorumBitmapIndices,
    nonSignerPubkeys: sortedNonSignerIds.map((id) => g1ToStruct(keyOf(id).g1)),
    quorumApks: quorumApks.map(g1ToStruct),
    apkG2: g2ToStruct(aggregateG2(signerEntries.map((key) => key.g2))),
    sigma: g1ToStruct(aggregateG1(signerEntries.map((key) => signatures.get(key.operatorId)!))),
    quorumApkIndices: indices.quorumApkIndices,
    totalStakeIndices: indices.totalStakeIndices,
    nonSignerStakeIndices: indices.nonSignerStakeIndices,
  }
}
