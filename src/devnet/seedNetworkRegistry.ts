/**
 * Fills the devnet's NetworkRegistry with a small distributed-validator network, so the exporter has operators
 * and validators to index from the first block: network operators with deterministic public keys, and
 * validators each run by four of them (fewer when there are fewer operators). Also how tests and benchmarks make
 * many registry events quickly (validators go in `bulkRegisterValidator` calls).
 */
import { type Address, type Hex, keccak256, toHex } from 'viem'
import { networkRegistryAbi } from '../chain/artifacts/index.js'
import type { TransactionSender } from '../chain/transactionSender.js'

export type SeedNetworkRegistryParameters = {
  sender: TransactionSender
  networkRegistry: Address
  operators: number
  validators: number
  /** Validators per `bulkRegisterValidator` transaction (default 100). */
  validatorsPerTransaction?: number | undefined
  /** Distinguishes the keys of several seedings of one registry (default 0). */
  seed?: number | undefined
  /** Called after each transaction with the events emitted so far. */
  onProgress?: ((events: number) => void) | undefined
}

const operatorsPerValidator = 4

/** A deterministic stand-in for a network operator's public key (64 bytes). */
export function devnetOperatorPublicKey(seed: number, index: number): Hex {
  const half = (part: number) => keccak256(toHex(`avskit devnet network operator ${seed}/${index}/${part}`))
  return `${half(0)}${half(1).slice(2)}`
}

/** A deterministic stand-in for a validator's 48-byte BLS public key. */
export function devnetValidatorPublicKey(seed: number, index: number): Hex {
  const bytes = `${keccak256(toHex(`avskit devnet validator ${seed}/${index}/0`))}${keccak256(toHex(`avskit devnet validator ${seed}/${index}/1`)).slice(2)}`
  return bytes.slice(0, 2 + 96) as Hex
}

/**
 * Registers `operators` network operators (ids continue the registry's), then `validators` validators over
 * consecutive groups of them. Returns the ids of the registered operators.
 */
export async function seedNetworkRegistry(parameters: SeedNetworkRegistryParameters): Promise<bigint[]> {
  const { sender, networkRegistry } = parameters
  const seed = parameters.seed ?? 0
  const perTransaction = parameters.validatorsPerTransaction ?? 100
  const ids: bigint[] = []
  let events = 0
  for (let i = 0; i < parameters.operators; i++) {
    const receipt = await sender.send({
      address: networkRegistry,
      abi: networkRegistryAbi,
      functionName: 'registerOperator',
      args: [devnetOperatorPublicKey(seed, i), BigInt(i) * 1_000_000_000n],
    })
    const topic = receipt.logs[0]?.topics[1]
    if (topic === undefined) throw new Error('registerOperator emitted no OperatorAdded event')
    ids.push(BigInt(topic))
    parameters.onProgress?.(++events)
  }
  if (parameters.validators === 0) return ids
  if (ids.length === 0) throw new Error('validators need at least one operator')
  const groupSize = Math.min(operatorsPerValidator, ids.length)
  for (let first = 0; first < parameters.validators; first += perTransaction) {
    const count = Math.min(perTransaction, parameters.validators - first)
    const group = first / perTransaction
    const start = (group * groupSize) % ids.length
    const operatorIds = Array.from({ length: groupSize }, (_, k) => ids[(start + k) % ids.length] as bigint).sort(
      (a, b) => (a < b ? -1 : a > b ? 1 : 0),
    )
    const publicKeys = Array.from({ length: count }, (_, k) => devnetValidatorPublicKey(seed, first + k))
    await sender.send({
      address: networkRegistry,
      abi: networkRegistryAbi,
      functionName: 'bulkRegisterValidator',
      args: [publicKeys, operatorIds, publicKeys.map(() => '0x' as Hex)],
    })
    events += count
    parameters.onProgress?.(events)
  }
  return ids
}
