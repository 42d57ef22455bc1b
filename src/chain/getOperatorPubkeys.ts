import { type Address, getAbiItem } from 'viem'
import type { G1Point, G2Point } from '../crypto/index.js'
import { blsApkRegistryAbi, registryCoordinatorAbi } from './abi/index.js'
import type { ChainClient } from './clients.js'
import { toChainError } from './errors.js'

export type OperatorPubkeys = { pubkeyG1: G1Point; pubkeyG2: G2Point }

export type OperatorPubkeyReader = {
  /** G1 and G2 public keys of each operator (missing entries: no registration found). */
  get(operators: readonly Address[]): Promise<Map<Address, OperatorPubkeys>>
}

export type CreateOperatorPubkeyReaderParameters = {
  client: ChainClient
  registryCoordinator: Address
  /** First block to search for registrations (the AVS deployment block); 0 by default. */
  fromBlock?: bigint | undefined
}

/**
 * Operators' BLS public keys. The BLSApkRegistry keeps only the G1 key in storage; the G2 key (needed to verify
 * a signature and to build apkG2) is only in the `NewPubkeyRegistration` event, so keys are read from the logs
 * (one `eth_getLogs` for every unknown operator at once, filtered by the indexed operator topic) and cached:
 * an operator's BLS key never changes once registered.
 *
 * @example
 * const keys = await createOperatorPubkeyReader({ client, registryCoordinator }).get([operator])
 */
export function createOperatorPubkeyReader(parameters: CreateOperatorPubkeyReaderParameters): OperatorPubkeyReader {
  const { client } = parameters
  const cache = new Map<Address, OperatorPubkeys>()
  let registry: Promise<Address> | undefined

  return {
    async get(operators) {
      const missing = [...new Set(operators)].filter((o) => !cache.has(o))
      if (missing.length > 0) {
        try {
          registry ??= client.readContract({
            address: parameters.registryCoordinator,
            abi: registryCoordinatorAbi,
            functionName: 'blsApkRegistry',
          })
          const logs = await client.getLogs({
            address: await registry,
            event: getAbiItem({ abi: blsApkRegistryAbi, name: 'NewPubkeyRegistration' }),
            args: { operator: missing },
            fromBlock: parameters.fromBlock ?? 0n,
            toBlock: 'latest',
            strict: true,
          })
          for (const log of logs) {
            const { operator, pubkeyG1, pubkeyG2 } = log.args
            cache.set(operator, {
              pubkeyG1: { x: pubkeyG1.X, y: pubkeyG1.Y },
              pubkeyG2: { x: pubkeyG2.X, y: pubkeyG2.Y },
            })
          }
        } catch (error) {
          registry = undefined
          throw toChainError(error, { functionName: 'NewPubkeyRegistration logs' })
        }
      }
      const found = new Map<Address, OperatorPubkeys>()
      for (const operator of operators) {
        const keys = cache.get(operator)
        if (keys) found.set(operator, keys)
      }
      return found
    },
  }
}
