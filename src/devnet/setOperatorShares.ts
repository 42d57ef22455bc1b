/**
 * `avskit devnet stake`: changes an operator's delegated shares on the devnet, as a delegation or a withdrawal would
 * on a real network, so that stake sync has something to do. The devnet DelegationManager stand-in takes the new
 * amount from its owner (anvil account 0) through `setOperatorShares(operator, strategy, shares)`, once per strategy.
 * The StakeRegistry does not notice: the operator's recorded stake stays as it was until a stake update.
 */
import { type Address, getAddress, type Hash, isAddress } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { stakeRegistryAbi } from '../chain/abi/index.js'
import { delegationManagerAbi } from '../chain/artifacts/index.js'
import { type ChainClient, createSignerClient } from '../chain/clients.js'
import { toChainError } from '../chain/errors.js'
import { BaseError, InvalidInputError } from '../core/errors.js'
import type { Logger } from '../core/logger.js'
import { devnetOwnerKey } from './startDevnet.js'
import type { DevnetOperator, DevnetSummary } from './summary.js'

export type SetOperatorSharesParameters = {
  summary: DevnetSummary
  client: ChainClient
  /** A devnet operator's index in the summary, or its address. */
  operator: string
  /** New shares in every strategy (wei). */
  shares: bigint
  logger: Logger
}

export type SetOperatorSharesReturnType = {
  operator: DevnetOperator
  /** Shares per strategy before the change. */
  previousShares: bigint[]
  shares: bigint
  /** Per quorum of the operator: the stake the StakeRegistry holds and the weight an update would record now. */
  quorums: { quorumNumber: number; recorded: bigint; weight: bigint }[]
}

/** The devnet operator named by `--operator`: its index (`2`) or its address. */
export function findDevnetOperator(summary: DevnetSummary, operator: string): DevnetOperator {
  const text = operator.trim()
  const found = /^\d+$/.test(text)
    ? summary.operators[Number(text)]
    : isAddress(text, { strict: false })
      ? summary.operators.find((o) => o.address === getAddress(text))
      : undefined
  if (!found) {
    throw new InvalidInputError(
      `Invalid --operator: expected an index from 0 to ${summary.operators.length - 1} or the address of a devnet operator, got ${JSON.stringify(operator)}.`,
    )
  }
  return found
}

export async function setOperatorShares(parameters: SetOperatorSharesParameters): Promise<SetOperatorSharesReturnType> {
  const { summary, client, shares } = parameters
  const operator = findDevnetOperator(summary, parameters.operator)
  const contract = (name: string): Address => {
    const address = summary.contracts[name]
    if (!address) throw new InvalidInputError(`The devnet summary has no ${name}: start the devnet again.`)
    return address
  }
  const delegationManager = contract('delegationManager')
  const strategies = Object.keys(summary.contracts)
    .filter((name) => /^strategy\d+$/.test(name))
    .sort((a, b) => Number(a.slice(8)) - Number(b.slice(8)))
    .map(contract)
  const previousShares = await client.readContract({
    address: delegationManager,
    abi: delegationManagerAbi,
    functionName: 'getOperatorShares',
    args: [operator.address, strategies],
  })
  // One transaction per strategy, sent back to back with consecutive nonces so that on an interval-mined devnet they
  // land in one block: a stake sync round between them would see half the change.
  const owner = createSignerClient(client, privateKeyToAccount(devnetOwnerKey))
  const nonce = await client.getTransactionCount({ address: owner.account.address, blockTag: 'pending' })
  const hashes: Hash[] = []
  for (const [i, strategy] of strategies.entries()) {
    try {
      hashes.push(
        await owner.writeContract({
          address: delegationManager,
          abi: delegationManagerAbi,
          functionName: 'setOperatorShares',
          args: [operator.address, strategy, shares],
          nonce: nonce + i,
          gas: 100_000n,
        }),
      )
    } catch (error) {
      throw toChainError(error, { functionName: 'setOperatorShares' })
    }
  }
  for (const hash of hashes) {
    const receipt = await client.waitForTransactionReceipt({ hash })
    if (receipt.status !== 'success') throw new BaseError(`setOperatorShares reverted (transaction ${hash}).`)
  }
  parameters.logger.debug({ operator: operator.address, shares: shares.toString(), hashes }, 'operator shares set')
  const stakeRegistry = contract('stakeRegistry')
  const quorums = await Promise.all(
    operator.quorums.map(async (quorumNumber) => {
      const [recorded, weight] = await Promise.all([
        client.readContract({
          address: stakeRegistry,
          abi: stakeRegistryAbi,
          functionName: 'getCurrentStake',
          args: [operator.operatorId, quorumNumber],
        }),
        client.readContract({
          address: stakeRegistry,
          abi: stakeRegistryAbi,
          functionName: 'weightOfOperatorForQuorum',
          args: [quorumNumber, operator.address],
        }),
      ])
      return { quorumNumber, recorded, weight }
    }),
  )
  return { operator, previousShares: [...previousShares], shares, quorums }
}
