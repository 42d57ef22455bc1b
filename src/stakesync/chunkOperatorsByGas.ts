/**
 * Splits an `updateOperators(address[])` call into calls that each fit a gas cap (`--max-gas-per-tx`). The cost of
 * updating an operator varies (its number of quorums, whether its stake changes, a deregistration below the minimum),
 * so chunks are measured, not assumed: estimate the whole list, cut it into chunks sized from the average cost, then
 * halve any chunk whose own estimate is still over the cap. An operator that alone exceeds the cap is an error.
 */
import type { Address } from 'viem'
import { BaseError } from '../core/errors.js'

export type GasChunk = { operators: Address[]; gasEstimate: bigint }

/** The cap is too low for one operator's update: a setting to change, not a failure to retry. */
export class OperatorOverGasCapError extends BaseError {
  override name = 'OperatorOverGasCapError'
  readonly retryable = false
  constructor(
    readonly operator: Address,
    readonly gasEstimate: bigint,
    readonly maxGas: bigint,
  ) {
    super(
      `Updating operator ${operator} alone needs about ${gasEstimate} gas, more than --max-gas-per-tx ${maxGas}: raise it.`,
      { exitCode: 2 },
    )
  }
}

export async function chunkOperatorsByGas(parameters: {
  operators: readonly Address[]
  maxGas: bigint
  estimate: (operators: readonly Address[]) => Promise<bigint>
}): Promise<GasChunk[]> {
  const { maxGas, estimate } = parameters
  const operators = [...parameters.operators]
  if (operators.length === 0) return []
  const whole = await estimate(operators)
  if (whole <= maxGas) return [{ operators, gasEstimate: whole }]
  const size = Math.max(1, Number((BigInt(operators.length) * maxGas) / whole))
  const chunks: GasChunk[] = []
  async function splitToFit(list: Address[], known?: bigint): Promise<void> {
    const gasEstimate = known ?? (await estimate(list))
    if (gasEstimate <= maxGas) {
      chunks.push({ operators: list, gasEstimate })
      return
    }
    if (list.length === 1) throw new OperatorOverGasCapError(list[0] as Address, gasEstimate, maxGas)
    const half = Math.ceil(list.length / 2)
    await splitToFit(list.slice(0, half))
    await splitToFit(list.slice(half))
  }
  for (let start = 0; start < operators.length; start += size) await splitToFit(operators.slice(start, start + size))
  return chunks
}
