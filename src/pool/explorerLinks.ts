/**
 * Links from an operator's address to a block explorer and to its EigenLayer app profile, by chain id: Ethereum
 * mainnet, Holesky and Sepolia are known; any other chain (a devnet, an L2 the AVS runs on) gets no links unless
 * `--explorer-url` / `--eigenlayer-app-url` name them.
 */
import type { Address } from 'viem'

export type ExplorerSites = {
  /** Base URL of a block explorer with Etherscan's `/address/<address>` path. */
  explorer?: string | undefined
  /** Base URL of the EigenLayer app, with its `/operator/<address>` path. */
  eigenlayer?: string | undefined
}

export const knownExplorerSites: Readonly<Record<number, Required<ExplorerSites>>> = {
  1: { explorer: 'https://etherscan.io', eigenlayer: 'https://app.eigenlayer.xyz' },
  17000: { explorer: 'https://holesky.etherscan.io', eigenlayer: 'https://holesky.eigenlayer.xyz' },
  11155111: { explorer: 'https://sepolia.etherscan.io', eigenlayer: 'https://sepolia.eigenlayer.xyz' },
}

export type OperatorLinks = { explorerUrl: string | null; eigenlayerUrl: string | null }

/** The sites for a chain: the configured ones first, then the known ones for the chain id. */
export function explorerSitesFor(chainId: number, configured: ExplorerSites = {}): ExplorerSites {
  const known = knownExplorerSites[chainId]
  return { explorer: configured.explorer ?? known?.explorer, eigenlayer: configured.eigenlayer ?? known?.eigenlayer }
}

export function operatorLinks(address: Address | string, sites: ExplorerSites): OperatorLinks {
  const trim = (url: string) => url.replace(/\/+$/, '')
  return {
    explorerUrl: sites.explorer ? `${trim(sites.explorer)}/address/${address}` : null,
    eigenlayerUrl: sites.eigenlayer ? `${trim(sites.eigenlayer)}/operator/${address}` : null,
  }
}
