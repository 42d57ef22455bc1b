/**
 * viem clients for one Ethereum node. Block numbers are never cached (`cacheTime: 0`): reference blocks for
 * checkSignatures and registration must be fresh (DESIGN.md).
 */
import {
  type Account,
  type Chain,
  createPublicClient,
  createWalletClient,
  custom,
  defineChain,
  http,
  type PublicClient,
  type Transport,
  type WalletClient,
} from 'viem'
import { toChainError } from './errors.js'

export type ChainClient = PublicClient<Transport, Chain>
export type SignerClient = WalletClient<Transport, Chain, Account>

export type CreateChainClientParameters = {
  url: string
  /** Milliseconds per request. */
  timeout?: number | undefined
  retryCount?: number | undefined
}

/**
 * Connects to a node and learns its chain id (one `eth_chainId`), so nothing hard-codes a chain.
 *
 * @example
 * const client = await createChainClient({ url: 'http://127.0.0.1:8545' })
 */
export async function createChainClient(parameters: CreateChainClientParameters): Promise<ChainClient> {
  const transport = http(parameters.url, {
    timeout: parameters.timeout ?? 10_000,
    retryCount: parameters.retryCount ?? 2,
  })
  const probe = createPublicClient({ transport })
  let chainId: number
  try {
    chainId = await probe.getChainId()
  } catch (error) {
    throw toChainError(error, { url: parameters.url, functionName: 'eth_chainId' })
  }
  const chain = defineChain({
    id: chainId,
    name: `chain ${chainId}`,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [parameters.url] } },
  })
  return createPublicClient({ chain, transport, cacheTime: 0, pollingInterval: 500 })
}

/** A wallet client for `account` on the same node and chain as `client`. */
export function createSignerClient(client: ChainClient, account: Account): SignerClient {
  // The public client's own request function already retries; the wallet client must not retry again.
  return createWalletClient({ account, chain: client.chain, transport: custom(client, { retryCount: 0 }) })
}
