/**
 * What the aggregation service needs from the chain, behind one small interface: the operator set of a task at
 * its reference block (operators, BLS keys, stakes), whether an unknown signer was registered at that block,
 * and the history indices for the certificate. `createChainReader` reads them from any M2 deployment.
 */
import type { Address, Hex } from 'viem'
import type { ChainClient } from '../chain/clients.js'
import { type CheckSignaturesIndices, getCheckSignaturesIndices } from '../chain/getCheckSignaturesIndices.js'
import { createOperatorPubkeyReader } from '../chain/getOperatorPubkeys.js'
import { getOperatorQuorumsAtBlock } from '../chain/getOperatorQuorumsAtBlock.js'
import { getOperatorState } from '../chain/getOperatorState.js'
import { BaseError } from '../core/errors.js'
import type { OperatorSetSnapshot, TaskOperator } from './types.js'

export type AggregationChainReader = {
  readOperatorSet(referenceBlock: bigint, quorumNumbers: readonly number[]): Promise<OperatorSetSnapshot>
  /** Quorums the operator was registered in at the block, or undefined when it was not registered. */
  operatorQuorumsAt(operatorId: Hex, referenceBlock: bigint): Promise<readonly number[] | undefined>
  checkSignaturesIndices(
    referenceBlock: bigint,
    quorumNumbers: readonly number[],
    sortedNonSignerIds: readonly Hex[],
  ): Promise<CheckSignaturesIndices>
}

export type CreateChainReaderParameters = {
  client: ChainClient
  registryCoordinator: Address
  operatorStateRetriever: Address
  /** Where to start looking for pubkey registrations (the AVS deployment block). */
  fromBlock?: bigint | undefined
}

export function createChainReader(parameters: CreateChainReaderParameters): AggregationChainReader {
  const { client, registryCoordinator, operatorStateRetriever } = parameters
  const pubkeys = createOperatorPubkeyReader({ client, registryCoordinator, fromBlock: parameters.fromBlock })

  return {
    async readOperatorSet(referenceBlock, quorumNumbers) {
      const state = await getOperatorState({
        client,
        operatorStateRetriever,
        registryCoordinator,
        quorumNumbers,
        blockNumber: referenceBlock,
      })
      const addresses = state.quorums.flatMap((q) => q.operators.map((o) => o.address))
      const keys = await pubkeys.get(addresses)
      const operators = new Map<Hex, TaskOperator & { stakes: Map<number, bigint> }>()
      for (const quorum of state.quorums) {
        for (const entry of quorum.operators) {
          const key = keys.get(entry.address)
          if (!key) {
            throw new BaseError(`No NewPubkeyRegistration event found for operator ${entry.address}.`, {
              metaMessages: ['Is --from-block after the AVS deployment?'],
            })
          }
          let operator = operators.get(entry.operatorId)
          if (!operator) {
            operator = { operatorId: entry.operatorId, address: entry.address, ...key, stakes: new Map() }
            operators.set(entry.operatorId, operator)
          }
          operator.stakes.set(quorum.quorumNumber, entry.stake)
        }
      }
      return {
        referenceBlock,
        quorumNumbers: state.quorums.map((q) => q.quorumNumber),
        operators,
        totalStakes: new Map(state.quorums.map((q) => [q.quorumNumber, q.totalStake])),
      }
    },
    operatorQuorumsAt(operatorId, referenceBlock) {
      return getOperatorQuorumsAtBlock({ client, registryCoordinator, operatorId, blockNumber: referenceBlock })
    },
    checkSignaturesIndices(referenceBlock, quorumNumbers, nonSignerOperatorIds) {
      return getCheckSignaturesIndices({
        client,
        operatorStateRetriever,
        registryCoordinator,
        referenceBlock,
        quorumNumbers,
        nonSignerOperatorIds,
      })
    },
  }
}
