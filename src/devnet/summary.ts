/**
 * What a running devnet is: chain, contract addresses, operators and service URLs. Printed at start and written
 * to `<data-dir>/devnet.json`, which is also how a restart knows what was deployed.
 */
import { readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Address, Hex } from 'viem'
import { formatEther } from 'viem'
import { InvalidInputError } from '../core/errors.js'

export type DevnetOperator = {
  index: number
  address: Address
  operatorId: Hex
  quorums: number[]
  /** Stake per quorum (decimal wei strings, keyed by quorum number). */
  stake: Record<string, string>
  socket: string
  ecdsaKeystore: string
  blsKeystore: string
  /** The devnet's keystore password (local development keys only). */
  passwordFile: string
}

export type DevnetSummary = {
  chainId: number
  rpcUrl: string
  /** Block at which the contracts were deployed. */
  deploymentBlock: string
  contracts: Record<string, Address>
  quorumCount: number
  operators: DevnetOperator[]
  /** URL of every service the devnet runs, by name. */
  services: Record<string, string>
}

export const summaryFileName = 'devnet.json'

export async function readDevnetSummary(dataDir: string): Promise<DevnetSummary | undefined> {
  const path = join(dataDir, summaryFileName)
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
  try {
    return JSON.parse(text) as DevnetSummary
  } catch (cause) {
    throw new InvalidInputError(`${path} is not valid JSON: delete the data folder to start a new devnet.`, { cause })
  }
}

/** Writes the summary atomically (write then rename), so a crash never leaves half a file. */
export async function writeDevnetSummary(dataDir: string, summary: DevnetSummary): Promise<void> {
  const path = join(dataDir, summaryFileName)
  await writeFile(`${path}.tmp`, `${JSON.stringify(summary, null, 2)}\n`)
  await rename(`${path}.tmp`, path)
}

export function formatDevnetSummary(summary: DevnetSummary): string {
  const width = Math.max(...Object.keys(summary.contracts).map((k) => k.length), 10)
  const lines = [
    `chain id     ${summary.chainId}`,
    `rpc          ${summary.rpcUrl}`,
    '',
    'contracts',
    ...Object.entries(summary.contracts).map(([name, address]) => `  ${name.padEnd(width)}  ${address}`),
    '',
    `operators (${summary.operators.length}, ${summary.quorumCount} quorums)`,
    ...summary.operators.map(
      (o) =>
        `  #${o.index} ${o.address}  id ${o.operatorId}\n       quorums ${o.quorums.join(',')}  stake ${Object.entries(
          o.stake,
        )
          .map(([q, s]) => `q${q}=${formatEther(BigInt(s))}`)
          .join(' ')}`,
    ),
  ]
  const services = Object.entries(summary.services)
  if (services.length > 0)
    lines.push('', 'services', ...services.map(([name, url]) => `  ${name.padEnd(width)}  ${url}`))
  return lines.join('\n')
}
