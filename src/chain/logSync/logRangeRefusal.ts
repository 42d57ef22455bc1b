/**
 * Recognises an `eth_getLogs` refusal that means "ask for fewer blocks", and the range the provider suggests when
 * it says one. There is no standard code for it (EIP-1474's -32005 "limit exceeded" also means rate limiting), so
 * this matches the messages providers actually send. Collected from the providers' answers as quoted by ponder
 * (`packages/utils/src/getLogsRetryHelper.ts`) and reth (`crates/rpc/rpc/src/eth/filter.rs`, `EthFilterError`):
 *
 * - Alchemy: `Log response size exceeded. … this block range should work: [0x…, 0x…]`
 * - Infura, zkSync, Polygon zkEVM: `query returned more than 10000 results. Try with this block range [0x…, 0x…].`
 * - geth-based public nodes (publicnode): `exceed maximum block range: 50000`
 * - reth: `query exceeds max block range 100000`, `query exceeds max results 20000`
 * - QuickNode, 1RPC, Blast: `eth_getLogs is limited to a 10,000 range`; BlockPI: `limited to 1024 block`
 * - Ankr, Moonbeam/Frontier: `block range is too wide (maximum 1024)`
 * - Optimism: `backend response too large`, `Block range is too large`; Base: `block range too large`
 * - Arbitrum: `logs matched by query exceeds limit of 10000`; LlamaRPC: `query exceeds max results`
 * - Chainstack: `Block range limit exceeded.`; Coinbase: `please limit the query to at most 1000 blocks`
 * - Blast: `exceeds the range allowed for your plan (5000 > 3000)`; Cloudflare: `Max range: 3500`; Avalanche: `requested too many blocks from 1 to 5000, maximum is set to 2048`
 *
 * plus HTTP 413 and a body over log sync's own size cap (`RpcResponseTooLargeError`).
 */
import { ChainUnreachableError } from '../errors.js'
import { RpcHttpError, RpcResponseError, RpcResponseTooLargeError } from './rpcErrors.js'

export type LogRangeRefusal = {
  /**
   * `blocks`: the provider caps the number of blocks per request, whatever they hold (a ceiling worth keeping);
   * `results`: the answer was too big (too many logs, too many bytes): depends on how dense the range is.
   */
  kind: 'blocks' | 'results'
  /** Blocks per request the provider says it accepts, when the message names a number or a range. */
  suggestedBlocks?: number | undefined
}

const refusalPatterns: readonly { pattern: RegExp; kind: LogRangeRefusal['kind'] }[] = [
  { pattern: /response size (exceeded|should not greater)|response too large|response is too big/i, kind: 'results' },
  { pattern: /(returned|matched by query|returns?) (more than|exceeds limit of) [\d,]+/i, kind: 'results' },
  {
    pattern: /query exceeds max results|too many (results|logs)|exceeds? (the )?max(imum)? (results|logs)/i,
    kind: 'results',
  },
  { pattern: /exceeds? (the )?max(imum)? block range|max(imum)? block range:/i, kind: 'blocks' },
  {
    pattern: /block range (is )?too (wide|large|big)|block range limit exceeded|range is too (large|wide)/i,
    kind: 'blocks',
  },
  {
    pattern: /limited to (a )?[\d,.]+\s*(k\b)?\s*(block|range)|up to a [\d,.]+\s*(k\b)? ?block range/i,
    kind: 'blocks',
  },
  {
    pattern: /limit the query to at most|requested too many blocks|maximum allowed number of requested blocks/i,
    kind: 'blocks',
  },
  { pattern: /\bmax range: \d+|blocks distance|range allowed for your plan/i, kind: 'blocks' },
]

/** Returns what the refusal means, or `undefined` when `error` is not a range/size refusal. */
export function classifyLogRangeRefusal(error: unknown): LogRangeRefusal | undefined {
  if (error instanceof RpcResponseTooLargeError) return { kind: 'results' }
  if (error instanceof RpcHttpError && error.status === 413) return { kind: 'results' }
  // A node that cannot be reached is never saying anything about ranges.
  if (error instanceof ChainUnreachableError) return undefined
  const text = refusalText(error)
  if (text === undefined || /rate limit|too many requests|request rate|daily request/i.test(text)) return undefined
  for (const { pattern, kind } of refusalPatterns) {
    if (pattern.test(text)) return { kind, suggestedBlocks: suggestedBlocks(text) }
  }
  return undefined
}

/** Blocks per request named in a refusal message, if any. */
export function suggestedBlocks(text: string): number | undefined {
  const range = /(?:should work|block range)[:\s]*\[\s*0x([0-9a-f]+)\s*,\s*0x([0-9a-f]+)\s*\]/i.exec(text)
  if (range) {
    const blocks = Number.parseInt(range[2]!, 16) - Number.parseInt(range[1]!, 16) + 1
    return blocks > 0 ? blocks : undefined
  }
  const limit =
    /(?:limited to(?: a)?|up to a|max(?:imum)? block range:?|maximum is set to|at most|requested blocks is|max range:|\(maximum|blocks distance:|your plan \(\d+ >)\s*([\d][\d,.]*)\s*(k\b)?/i.exec(
      text,
    )
  if (!limit) return undefined
  const value = Number(limit[1]!.replace(/[,.]/g, '')) * (limit[2] ? 1000 : 1)
  return Number.isFinite(value) && value > 0 ? value : undefined
}

function refusalText(error: unknown): string | undefined {
  if (error instanceof RpcResponseError) return `${error.rpcMessage} ${error.details ?? ''}`
  if (error instanceof RpcHttpError) return error.details
  return undefined
}
