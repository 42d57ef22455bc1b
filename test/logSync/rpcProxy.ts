/**
 * A real HTTP JSON-RPC server in front of a test's anvil that behaves like a hosted provider when a test asks
 * it to: refuse `eth_getLogs` ranges wider than a limit (with the provider's own message), refuse answers with
 * too many logs, answer 413 or 503. Everything it does not intercept goes to anvil unchanged.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export type ProxiedCall = { id: number; method: string; params: unknown[] }

/** What to answer instead of anvil; `undefined` forwards the request. */
export type ProxyAnswer = { status?: number; json?: unknown; text?: string } | undefined

export type RpcProxy = {
  url: string
  /** Widths (toBlock − fromBlock + 1) of the `eth_getLogs` anvil answered. */
  readonly forwardedLogRanges: number[]
  /** Every `eth_getLogs` received, forwarded or not. */
  readonly receivedLogRanges: number[]
  /** The most `eth_getLogs` requests the proxy had open at once. */
  readonly maxLogRequestsInFlight: number
  /** Milliseconds every `eth_getLogs` is held before it is forwarded (0: none). */
  logDelayMs: number
  /** Sees every request body (a call or an array) before it is forwarded. */
  intercept: ((body: ProxiedCall | ProxiedCall[]) => ProxyAnswer) | undefined
  /** Sees anvil's answer to a single call; may replace it. */
  interceptAnswer: ((call: ProxiedCall, answer: { result?: unknown }) => ProxyAnswer) | undefined
  /** Forgets the interceptors and the recorded ranges. */
  reset(): void
  close(): Promise<void>
}

export async function startRpcProxy(upstream: string): Promise<RpcProxy> {
  const forwardedLogRanges: number[] = []
  const receivedLogRanges: number[] = []
  const logRequestsInFlight = { now: 0, max: 0 }
  let server: Server
  const proxy: RpcProxy = {
    url: '',
    forwardedLogRanges,
    receivedLogRanges,
    get maxLogRequestsInFlight() {
      return logRequestsInFlight.max
    },
    logDelayMs: 0,
    intercept: undefined,
    interceptAnswer: undefined,
    reset() {
      proxy.intercept = undefined
      proxy.interceptAnswer = undefined
      proxy.logDelayMs = 0
      forwardedLogRanges.length = 0
      receivedLogRanges.length = 0
      logRequestsInFlight.max = 0
    },
    close: async () => {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    },
  }

  const send = (response: ServerResponse, answer: NonNullable<ProxyAnswer>) => {
    response.writeHead(answer.status ?? 200, { 'content-type': 'application/json' })
    response.end(answer.text ?? JSON.stringify(answer.json))
  }

  async function handle(request: IncomingMessage, response: ServerResponse) {
    const chunks: Buffer[] = []
    for await (const chunk of request) chunks.push(chunk as Buffer)
    const text = Buffer.concat(chunks).toString()
    const body = JSON.parse(text) as ProxiedCall | ProxiedCall[]
    const width = !Array.isArray(body) && body.method === 'eth_getLogs' ? logRangeWidth(body) : undefined
    if (width !== undefined) receivedLogRanges.push(width)
    const replaced = proxy.intercept?.(body)
    if (replaced) return send(response, replaced)
    if (width !== undefined) logRequestsInFlight.now++
    logRequestsInFlight.max = Math.max(logRequestsInFlight.max, logRequestsInFlight.now)
    let answerText: string
    let upstreamResponse: Response
    try {
      if (width !== undefined && proxy.logDelayMs > 0) await new Promise((wait) => setTimeout(wait, proxy.logDelayMs))
      upstreamResponse = await fetch(upstream, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: text,
      })
      answerText = await upstreamResponse.text()
    } finally {
      if (width !== undefined) logRequestsInFlight.now--
    }
    if (width !== undefined) forwardedLogRanges.push(width)
    if (!Array.isArray(body) && proxy.interceptAnswer) {
      const answer = proxy.interceptAnswer(body, JSON.parse(answerText))
      if (answer) return send(response, answer)
    }
    send(response, { status: upstreamResponse.status, text: answerText })
  }

  server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      response.writeHead(500)
      response.end(String(error))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return proxy
}

export function logRangeWidth(call: ProxiedCall): number {
  const filter = call.params[0] as { fromBlock: string; toBlock: string }
  return Number(BigInt(filter.toBlock) - BigInt(filter.fromBlock) + 1n)
}

/** A JSON-RPC error answer to `call`. */
export function rpcError(call: ProxiedCall, code: number, message: string): ProxyAnswer {
  return { json: { jsonrpc: '2.0', id: call.id, error: { code, message } } }
}
