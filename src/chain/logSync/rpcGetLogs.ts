/**
 * `eth_getLogs` over the raw JSON-RPC client, for a set of contract addresses and any of a set of event
 * signatures (`topics: [[topic0, …]]`: a nested array in position 0 is an "any of", per the execution-apis
 * filter spec). The answer is read straight into `LogRecord`s by `scanLogsAnswer` (no `JSON.parse`; each string a
 * slice of the body); an answer it does not read is parsed and turned into records by `toLogRecords`. Either way
 * the hex strings the node sent (addresses, hashes, topics, data) are kept as they are.
 */
import type { Address, Hex } from 'viem'
import type { JsonRpcClient } from './jsonRpcClient.js'
import { InvalidRpcResponseError } from './rpcErrors.js'
import { scanLogsAnswer } from './scanLogsAnswer.js'
import type { LogRecord } from './types.js'

/** Which logs to fetch. An empty list means "any" (no constraint on that field). */
export type LogFilter = {
  addresses: readonly Address[]
  topic0s: readonly Hex[]
}

export type RpcGetLogsParameters = LogFilter & {
  fromBlock: bigint
  toBlock: bigint
  signal?: AbortSignal | undefined
}

/** A JSON-RPC quantity: lowest hex digits, no leading zeros. */
export function toQuantity(value: bigint | number): Hex {
  return `0x${value.toString(16)}`
}

/**
 * @example
 * const logs = await rpcGetLogs(client, { addresses: [registry], topic0s: [topic0(operatorAdded)], fromBlock: 0n, toBlock: 999n })
 */
export async function rpcGetLogs(client: JsonRpcClient, parameters: RpcGetLogsParameters): Promise<LogRecord[]> {
  const filter: Record<string, unknown> = {
    fromBlock: toQuantity(parameters.fromBlock),
    toBlock: toQuantity(parameters.toBlock),
  }
  if (parameters.addresses.length > 0) filter.address = parameters.addresses
  if (parameters.topic0s.length > 0) filter.topics = [parameters.topic0s]
  return client.request('eth_getLogs', [filter], { signal: parameters.signal, read: logsReader })
}

const logsReader = { body: scanLogsAnswer, result: toLogRecords }

type RawLog = {
  address: Address
  topics: Hex[]
  data: Hex
  blockNumber: string | null
  blockHash: Hex | null
  transactionHash: Hex
  transactionIndex: string
  logIndex: string
}

/** Turns a parsed `eth_getLogs` answer into records; refuses pending logs (no block) and malformed entries. */
export function toLogRecords(raw: unknown): LogRecord[] {
  if (!Array.isArray(raw)) throw new InvalidRpcResponseError('eth_getLogs', 'expected an array of logs')
  const count = raw.length
  const records = new Array<LogRecord>(count)
  // Logs come grouped by block: parse each block number once.
  let lastNumberHex = ''
  let lastNumber = 0n
  for (let i = 0; i < count; i++) {
    const log = raw[i] as RawLog
    const numberHex = log.blockNumber
    if (typeof numberHex !== 'string' || typeof log.blockHash !== 'string' || !Array.isArray(log.topics)) {
      throw new InvalidRpcResponseError('eth_getLogs', `log ${i} has no block number, block hash or topics`, {
        details: JSON.stringify(log).slice(0, 300),
      })
    }
    if (numberHex !== lastNumberHex) {
      lastNumber = BigInt(numberHex)
      lastNumberHex = numberHex
    }
    records[i] = {
      address: log.address,
      topics: log.topics,
      data: log.data,
      blockNumber: lastNumber,
      blockHash: log.blockHash,
      transactionHash: log.transactionHash,
      transactionIndex: Number(log.transactionIndex),
      logIndex: Number(log.logIndex),
    }
  }
  return records
}
