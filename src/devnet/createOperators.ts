/**
 * Devnet operators: each gets a fresh ECDSA key and BLS key, written as keystores under
 * `<data-dir>/operators/<index>/` (EigenLayer file names), ETH for gas, delegated shares in the devnet
 * DelegationManager, and an M2 registration in its quorums, exactly as a real operator registers.
 */
import { randomBytes } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { type Address, type Hex, parseEther } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { delegationManagerAbi } from '../chain/artifacts/index.js'
import type { ChainClient } from '../chain/clients.js'
import { getOperatorState } from '../chain/getOperatorState.js'
import { registerOperator } from '../chain/registerOperator.js'
import { createTransactionSender, type TransactionSender } from '../chain/transactionSender.js'
import type { Logger } from '../core/logger.js'
import {
  blsKeyPairFromPrivateKey,
  createBlsKeystore,
  createEcdsaKeystore,
  generateBlsPrivateKey,
  lightScryptParams,
  writeKeystoreFile,
} from '../crypto/index.js'
import type { DevnetContracts } from './deployContracts.js'
import type { DevnetOperator } from './summary.js'

export type CreateOperatorsParameters = {
  client: ChainClient
  /** The devnet owner: admin of the DelegationManager. */
  owner: TransactionSender
  contracts: DevnetContracts
  dataDir: string
  count: number
  quorumCount: number
  logger: Logger
  /** Sets an account's ETH balance (anvil_setBalance). */
  setBalance: (address: Address, wei: bigint) => Promise<void>
}

/** Shares operator `i` gets in every strategy: 1000, 2000, … ETH, so stakes differ and thresholds matter. */
export function devnetShares(index: number): bigint {
  return parseEther(String(1000 * (index + 1)))
}

/** Operator 0 is in every quorum; the others are spread over the quorums round-robin. */
export function devnetQuorums(index: number, quorumCount: number): number[] {
  if (index === 0) return Array.from({ length: quorumCount }, (_, q) => q)
  return [index % quorumCount]
}

export async function createOperators(parameters: CreateOperatorsParameters): Promise<DevnetOperator[]> {
  const { client, owner, contracts, logger } = parameters
  const operators: DevnetOperator[] = []
  for (let index = 0; index < parameters.count; index++) {
    const dir = join(parameters.dataDir, 'operators', String(index))
    await mkdir(dir, { recursive: true, mode: 0o700 })
    const password = randomBytes(16).toString('hex')
    const passwordFile = join(dir, 'password.txt')
    await writeFile(passwordFile, `${password}\n`, { mode: 0o600 })

    const ecdsa = await createEcdsaKeystore({ password, scrypt: lightScryptParams })
    const blsPrivateKey = generateBlsPrivateKey()
    const bls = await createBlsKeystore({ privateKey: blsPrivateKey, password, scrypt: lightScryptParams })
    const ecdsaKeystore = join(dir, 'operator.ecdsa.key.json')
    const blsKeystore = join(dir, 'operator.bls.key.json')
    await writeKeystoreFile(ecdsaKeystore, ecdsa.keystore)
    await writeKeystoreFile(blsKeystore, bls.keystore)

    const account = privateKeyToAccount(ecdsa.privateKey as Hex)
    await parameters.setBalance(account.address, parseEther('100'))
    await owner.send({
      address: contracts.delegationManager,
      abi: delegationManagerAbi,
      functionName: 'registerOperatorFor',
      args: [account.address],
    })
    for (const strategy of contracts.strategies) {
      await owner.send({
        address: contracts.delegationManager,
        abi: delegationManagerAbi,
        functionName: 'setOperatorShares',
        args: [account.address, strategy, devnetShares(index)],
      })
    }
    const quorums = devnetQuorums(index, parameters.quorumCount)
    const socket = `127.0.0.1:${9100 + index}`
    const { operatorId } = await registerOperator({
      client,
      sender: createTransactionSender({ client, account, logger }),
      operator: account,
      blsKeyPair: blsKeyPairFromPrivateKey(blsPrivateKey),
      registryCoordinator: contracts.registryCoordinator,
      quorumNumbers: quorums,
      socket,
    })
    logger.info({ index, address: account.address, operatorId, quorums }, 'operator registered')
    operators.push({
      index,
      address: account.address,
      operatorId,
      quorums,
      stake: {},
      socket,
      ecdsaKeystore,
      blsKeystore,
      passwordFile,
    })
  }
  return withStakes(client, contracts, parameters.quorumCount, operators)
}

/** Fills each operator's registered stake per quorum from OperatorStateRetriever. */
export async function withStakes(
  client: ChainClient,
  contracts: DevnetContracts,
  quorumCount: number,
  operators: DevnetOperator[],
): Promise<DevnetOperator[]> {
  const state = await getOperatorState({
    client,
    operatorStateRetriever: contracts.operatorStateRetriever,
    registryCoordinator: contracts.registryCoordinator,
    quorumNumbers: Array.from({ length: quorumCount }, (_, q) => q),
  })
  return operators.map((operator) => {
    const stake: Record<string, string> = {}
    for (const quorum of state.quorums) {
      const entry = quorum.operators.find((o) => o.address === operator.address)
      if (entry) stake[String(quorum.quorumNumber)] = entry.stake.toString()
    }
    return { ...operator, stake }
  })
}
