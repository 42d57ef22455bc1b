/**
 * A minimal JSON-RPC 2.0 client over HTTP: `fetch`, read the body as text, `JSON.parse`. Log sync uses it instead
 * of viem's transport because the bulk of its work is `eth_getLogs` responses of tens of megabytes: viem's
 * generic path (response validation, formatting every log) caps near 30k logs/s on the project's machine where
 * fetch + JSON.parse reaches ~150k, and viem refuses bodies over 10 MiB by default.
 *
 * Batches are JSON-RPC arrays (JSON-RPC 2.0 §6): answers may come in any order and are matched by `id`. A node
 * that refuses arrays (answers one error object) gets the calls one by one from then on. The body size is capped:
 * by `Content-Length` before reading when the node sends it, while streaming otherwise.
 */
import { BaseError, redactSecrets } from '../../core/errors.js'
import type { Metrics } from '../../core/metrics.js'
import { ChainUnreachableError } from '../errors.js'
import { InvalidRpcResponseError, RpcHttpError, RpcResponseError, RpcResponseTooLargeError } from './rpcErrors.js'

export type JsonRpcCall = { method: string; params: readonly unknown[] }

export type JsonRpcRequestOptions = {
  /** Aborts the exchange; the abort reason is thrown as is. */
  signal?: AbortSignal | undefined
}

export type JsonRpcClient = {
  /** The URL with credentials removed, for logs. */
  readonly displayUrl: string
  /** Sends one call and returns its `result` (JSON as parsed, `null` included). */
  request<T>(method: string, params: readonly unknown[], options?: JsonRpcRequestOptions): Promise<T>
  /** Sends calls as JSON-RPC arrays of at most `maxBatchSize`; results in call order; throws the first error. */
  batch<T>(calls: readonly JsonRpcCall[], options?: JsonRpcRequestOptions): Promise<T[]>
}

export type CreateJsonRpcClientParameters = {
  url: string
  /** Milliseconds one HTTP exchange may take, body included. Default 30 000. */
  timeout?: number | undefined
  /**
   * Largest response body accepted, in bytes (default 256 MiB). Past it the exchange fails with
   * `RpcResponseTooLargeError`, which log sync treats as "range too wide".
   */
  maxResponseBytes?: number | undefined
  /** Calls per JSON-RPC array (default 100; geth accepts 1000, some providers far fewer). */
  maxBatchSize?: number | undefined
  headers?: Record<string, string> | undefined
  /** Counts requests by method and outcome (`avskit_rpc_requests_total`). */
  metrics?: Pick<Metrics, 'chain'> | undefined
}

type JsonRpcAnswer = { id?: unknown; result?: unknown; error?: { code?: unknown; message?: unknown; data?: unknown } }

/**
 * @example
 * const client = createJsonRpcClient({ url: 'http://127.0.0.1:8545' })
 * const head = BigInt(await client.request<string>('eth_blockNumber', []))
 */
export function createJsonRpcClient(parameters: CreateJsonRpcClientParameters): JsonRpcClient {
  const { url } = parameters
  const displayUrl = redactSecrets(url)
  const timeout = parameters.timeout ?? 30_000
  const maxResponseBytes = parameters.maxResponseBytes ?? 256 * 1024 * 1024
  const maxBatchSize = Math.max(1, parameters.maxBatchSize ?? 100)
  const headers = { 'content-type': 'application/json', ...parameters.headers }
  const requests = parameters.metrics?.chain.rpcRequestsTotal
  let nextId = 1
  let batchSupported = true

  async function post(method: string, body: string, signal: AbortSignal | undefined): Promise<unknown> {
    const timeoutSignal = AbortSignal.timeout(timeout)
    const combined = signal ? AbortSignal.any([signal, timeoutSignal]) : timeoutSignal
    let response: Response
    let text: string
    try {
      response = await fetch(url, { method: 'POST', headers, body, signal: combined })
      text = await readBody(response, method, maxResponseBytes)
    } catch (error) {
      if (signal?.aborted) throw signal.reason
      if (error instanceof BaseError) throw error
      if (timeoutSignal.aborted) {
        throw new ChainUnreachableError(`${method} timed out after ${timeout} ms at ${displayUrl}.`, { cause: error })
      }
      throw new ChainUnreachableError(`Cannot reach the Ethereum node at ${displayUrl} (${method}).`, {
        cause: error,
        details: describeFetchError(error),
        metaMessages: ['Check the RPC URL and that the node is running.'],
      })
    }
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch (cause) {
      if (response.status !== 200) throw httpError(method, response.status, text)
      throw new InvalidRpcResponseError(method, 'the body is not JSON', { cause, details: text.slice(0, 300) })
    }
    if (response.status !== 200 && !isErrorAnswer(parsed)) throw httpError(method, response.status, text)
    return parsed
  }

  function httpError(method: string, status: number, text: string) {
    return new RpcHttpError(method, status, url, { details: text.slice(0, 300) || undefined })
  }

  async function request<T>(method: string, params: readonly unknown[], options: JsonRpcRequestOptions = {}) {
    const id = nextId++
    try {
      const answer = await post(method, JSON.stringify({ jsonrpc: '2.0', id, method, params }), options.signal)
      const result = resultOf(method, answer)
      requests?.inc({ method, status: 'ok' })
      return result as T
    } catch (error) {
      requests?.inc({ method, status: 'error' })
      throw error
    }
  }

  async function sendBatch<T>(calls: readonly JsonRpcCall[], signal: AbortSignal | undefined): Promise<T[]> {
    const firstId = nextId
    nextId += calls.length
    const body = JSON.stringify(calls.map((call, i) => ({ jsonrpc: '2.0', id: firstId + i, ...call })))
    const label = calls[0]?.method ?? 'batch'
    let answers: unknown
    try {
      answers = await post(label, body, signal)
    } catch (error) {
      requests?.inc({ method: label, status: 'error' }, calls.length)
      throw error
    }
    if (!Array.isArray(answers)) {
      requests?.inc({ method: label, status: 'error' }, calls.length)
      if (refusesBatches(answers)) {
        // One "invalid request" for the whole array: the node does not take batches (JSON-RPC 2.0 §6 lets it).
        batchSupported = false
        return sendOneByOne(calls, signal)
      }
      resultOf(label, answers)
      throw new InvalidRpcResponseError(label, 'a batch was answered with a single result')
    }
    const results = new Array<T>(calls.length)
    const seen = new Array<boolean>(calls.length).fill(false)
    for (const answer of answers as JsonRpcAnswer[]) {
      const index = typeof answer?.id === 'number' ? answer.id - firstId : -1
      const call = calls[index]
      if (!call || seen[index]) throw new InvalidRpcResponseError(label, `unexpected batch answer id ${answer?.id}`)
      seen[index] = true
      results[index] = resultOf(call.method, answer) as T
    }
    const missing = seen.indexOf(false)
    if (missing !== -1) throw new InvalidRpcResponseError(label, `no answer for batch call ${missing}`)
    requests?.inc({ method: label, status: 'ok' }, calls.length)
    return results
  }

  function sendOneByOne<T>(calls: readonly JsonRpcCall[], signal: AbortSignal | undefined): Promise<T[]> {
    return Promise.all(calls.map((call) => request<T>(call.method, call.params, { signal })))
  }

  async function batch<T>(calls: readonly JsonRpcCall[], options: JsonRpcRequestOptions = {}): Promise<T[]> {
    if (calls.length === 0) return []
    if (calls.length === 1) return [await request<T>(calls[0]!.method, calls[0]!.params, options)]
    if (!batchSupported) return sendOneByOne<T>(calls, options.signal)
    const chunks: Promise<T[]>[] = []
    for (let start = 0; start < calls.length; start += maxBatchSize) {
      chunks.push(sendBatch<T>(calls.slice(start, start + maxBatchSize), options.signal))
    }
    return (await Promise.all(chunks)).flat() as T[]
  }

  return { displayUrl, request, batch }
}

function isErrorAnswer(value: unknown): value is JsonRpcAnswer {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'error' in value
}

function refusesBatches(answer: unknown): boolean {
  if (!isErrorAnswer(answer)) return false
  const { code, message } = answer.error ?? {}
  return code === -32600 || (typeof message === 'string' && /batch/i.test(message))
}

function resultOf(method: string, answer: unknown): unknown {
  if (typeof answer !== 'object' || answer === null) {
    throw new InvalidRpcResponseError(method, 'the answer is not a JSON-RPC object')
  }
  const { error, result } = answer as JsonRpcAnswer
  if (error !== undefined && error !== null) {
    const code = typeof error.code === 'number' ? error.code : 0
    const message = typeof error.message === 'string' ? error.message : JSON.stringify(error)
    throw new RpcResponseError(method, code, message, error.data)
  }
  if (!('result' in answer)) throw new InvalidRpcResponseError(method, 'the answer has neither result nor error')
  return result
}

/** Reads the body as UTF-8 text, refusing it past `limit` bytes without buffering more than that. */
async function readBody(response: Response, method: string, limit: number): Promise<string> {
  const declared = response.headers.get('content-length')
  if (declared !== null) {
    const length = Number(declared)
    if (length > limit) {
      await response.body?.cancel().catch(() => {})
      throw new RpcResponseTooLargeError(method, limit, length)
    }
    return response.text()
  }
  if (!response.body) return ''
  const reader = response.body.getReader()
  const chunks: Uint8Array[] = []
  let total = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    total += value.byteLength
    if (total > limit) {
      await reader.cancel().catch(() => {})
      throw new RpcResponseTooLargeError(method, limit, total)
    }
    chunks.push(value)
  }
  return Buffer.concat(chunks, total).toString('utf8')
}

/** `fetch failed` says nothing; undici puts the reason (ECONNREFUSED, …) in `cause`. */
function describeFetchError(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : ''
  return `${error.message}${cause}`
}
