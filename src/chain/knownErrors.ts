/**
 * Custom errors of every contract avskit ships. A revert that bubbles up from a callee (the ServiceManager's
 * `checkSignatures` under `TaskManager.respondToTask`, the StakeRegistry under the RegistryCoordinator) is not
 * in the called contract's ABI; decoding against this list still names it.
 */
import { type Abi, decodeErrorResult, type Hex } from 'viem'

type AbiError = Extract<Abi[number], { type: 'error' }>

import * as artifacts from './artifacts/index.js'

const knownErrorsAbi: readonly AbiError[] = dedupe(
  Object.entries(artifacts)
    .filter(([name]) => name.endsWith('Abi'))
    .flatMap(([, abi]) => (abi as Abi).filter((item): item is AbiError => item.type === 'error')),
)

function dedupe(errors: AbiError[]): AbiError[] {
  const seen = new Map<string, AbiError>()
  for (const error of errors) seen.set(`${error.name}(${error.inputs.map((i) => i.type).join(',')})`, error)
  return [...seen.values()]
}

/** Names raw revert data by the known custom errors; undefined when the selector is unknown. */
export function decodeKnownError(data: Hex): { errorName: string; args: readonly unknown[] } | undefined {
  try {
    const decoded = decodeErrorResult({ abi: knownErrorsAbi, data })
    return { errorName: decoded.errorName, args: decoded.args ?? [] }
  } catch {
    return undefined
  }
}
