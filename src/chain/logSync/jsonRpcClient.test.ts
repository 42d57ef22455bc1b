import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { ChainUnreachableError } from '../errors.js'
import { createJsonRpcClient } from './jsonRpcClient.js'
import { RpcHttpError, RpcResponseError, RpcResponseTooLargeError } from './rpcErrors.js'

type Handler = (body: unknown, response: ServerResponse, request: IncomingMessage) => void

/** A JSON-RPC peer whose answers each test scripts. */
function useJsonRpcServer() {
  let server: Server
  let handler: Handler = (_body, response) => response.end()
  const received: unknown[] = []
  beforeAll(async () => {
    server = createServer((request: IncomingMessage, response) => {
      let text = ''
      request.on('data', (chunk) => {
        text += chunk
      })
      request.on('end', () => {
        const body = JSON.parse(text)
        received.push(body)
        handler(body, response, request)
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  })
  afterAll(async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  })
  return {
    get url() {
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    },
    received,
    answer(next: Handler) {
      handler = next
      received.length = 0
    },
  }
}

const json = (response: ServerResponse, value: unknown, status = 200) => {
  response.writeHead(status, { 'content-type': 'application/json' })
  response.end(JSON.stringify(value))
}

type Call = { id: number; method: string; params: unknown[] }

describe('createJsonRpcClient', () => {
  const server = useJsonRpcServer()

  test('returns the result of a call', async () => {
    server.answer((body, response) => json(response, { jsonrpc: '2.0', id: (body as Call).id, result: '0x2a' }))
    const client = createJsonRpcClient({ url: server.url })
    expect(await client.request('eth_blockNumber', [])).toBe('0x2a')
    expect(server.received).toMatchObject([{ jsonrpc: '2.0', method: 'eth_blockNumber', params: [] }])
  })

  test('matches batch answers to calls by id, whatever their order, in arrays of at most maxBatchSize', async () => {
    server.answer((body, response) => {
      const answers = (body as Call[]).map((call) => ({ jsonrpc: '2.0', id: call.id, result: call.params[0] }))
      json(response, answers.reverse())
    })
    const client = createJsonRpcClient({ url: server.url, maxBatchSize: 3 })
    const calls = [1, 2, 3, 4, 5].map((n) => ({ method: 'echo', params: [n] }))
    expect(await client.batch(calls)).toEqual([1, 2, 3, 4, 5])
    expect(server.received.map((body) => (body as Call[]).length)).toEqual([3, 2])
  })

  test('sends calls one by one to a node that refuses batches', async () => {
    server.answer((body, response) => {
      if (Array.isArray(body)) {
        json(response, {
          jsonrpc: '2.0',
          id: null,
          error: { code: -32600, message: 'batch requests are not supported' },
        })
      } else {
        json(response, { jsonrpc: '2.0', id: (body as Call).id, result: (body as Call).params[0] })
      }
    })
    const client = createJsonRpcClient({ url: server.url })
    expect(await client.batch([1, 2].map((n) => ({ method: 'echo', params: [n] })))).toEqual([1, 2])
    expect(await client.batch([3, 4].map((n) => ({ method: 'echo', params: [n] })))).toEqual([3, 4])
    // One refused array, then single calls only.
    expect(server.received.filter(Array.isArray)).toHaveLength(1)
  })

  test('throws the JSON-RPC error of a call as RpcResponseError', async () => {
    server.answer((body, response) =>
      json(response, {
        jsonrpc: '2.0',
        id: (body as Call).id,
        error: { code: -32005, message: 'query returned more than 10000 results', data: { from: '0x1' } },
      }),
    )
    const client = createJsonRpcClient({ url: server.url })
    const error = await client.request('eth_getLogs', [{}]).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RpcResponseError)
    expect(error).toMatchObject({ code: -32005, rpcMessage: 'query returned more than 10000 results' })
    expect((error as RpcResponseError).details).toBe('{"from":"0x1"}')
  })

  test('reads a JSON-RPC error sent with an HTTP error status', async () => {
    server.answer((body, response) =>
      json(response, { jsonrpc: '2.0', id: (body as Call).id, error: { code: 429, message: 'slow down' } }, 429),
    )
    const error = await createJsonRpcClient({ url: server.url })
      .request('eth_blockNumber', [])
      .catch((e: unknown) => e)
    expect(error).toMatchObject({ name: 'RpcResponseError', code: 429, rpcMessage: 'slow down' })
  })

  test('throws RpcHttpError for other statuses, retryable for 429 and 5xx', async () => {
    const client = createJsonRpcClient({ url: server.url })
    for (const [status, retryable] of [
      [503, true],
      [429, true],
      [413, false],
      [401, false],
    ] as const) {
      server.answer((_body, response) => {
        response.writeHead(status)
        response.end('nope')
      })
      const error = await client.request('eth_getLogs', []).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(RpcHttpError)
      expect(error).toMatchObject({ status, retryable, details: 'nope' })
    }
  })

  test('refuses a body over the cap, announced by Content-Length or streamed', async () => {
    const big = { jsonrpc: '2.0', id: 0, result: 'x'.repeat(5000) }
    const client = createJsonRpcClient({ url: server.url, maxResponseBytes: 1000 })
    server.answer((body, response) => json(response, { ...big, id: (body as Call).id }))
    await expect(client.request('eth_getLogs', [])).rejects.toBeInstanceOf(RpcResponseTooLargeError)
    server.answer((body, response) => {
      response.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' })
      const text = JSON.stringify({ ...big, id: (body as Call).id })
      for (let i = 0; i < text.length; i += 500) response.write(text.slice(i, i + 500))
      response.end()
    })
    const error = await client.request('eth_getLogs', []).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RpcResponseTooLargeError)
    expect((error as RpcResponseTooLargeError).limitBytes).toBe(1000)
  })

  test('says the node is unreachable without leaking credentials in the URL', async () => {
    const client = createJsonRpcClient({ url: 'http://alice:s3cret@127.0.0.1:1/?apikey=topsecret' })
    const error = await client.request('eth_blockNumber', []).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ChainUnreachableError)
    expect((error as Error).message).toMatch(/Cannot reach the Ethereum node at http:\/\/\*\*\*@127\.0\.0\.1:1/)
    expect((error as Error).message).not.toMatch(/s3cret|topsecret|alice/)
    expect(client.displayUrl).not.toMatch(/s3cret|topsecret/)
  })

  test('sends credentials in the URL as Basic authentication', async () => {
    let authorization: string | undefined
    server.answer((body, response, request) => {
      authorization = request.headers.authorization
      json(response, { jsonrpc: '2.0', id: (body as Call).id, result: '0x1' })
    })
    const url = server.url.replace('http://', 'http://alice:s3cr%40t@')
    expect(await createJsonRpcClient({ url }).request('eth_chainId', [])).toBe('0x1')
    expect(authorization).toBe(`Basic ${Buffer.from('alice:s3cr@t').toString('base64')}`)
  })

  test('refuses a URL that is not http(s), naming it without its credentials', () => {
    expect(() => createJsonRpcClient({ url: 'ws://bob:hunter2@127.0.0.1:8546' })).toThrow(
      /ws:\/\/\*\*\*@127\.0\.0\.1:8546 is not http:\/\/ or https:\/\//,
    )
    expect(() => createJsonRpcClient({ url: 'not a url' })).toThrow(/is not a URL/)
  })

  test('fails an answer cut off before its end', async () => {
    server.answer((_body, response) => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' })
      response.write('{"jsonrpc":"2.0","id":1,"result":"0x')
      setTimeout(() => response.socket?.destroy(), 20)
    })
    const error = await createJsonRpcClient({ url: server.url })
      .request('eth_blockNumber', [])
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ChainUnreachableError)
  })

  test('times out a node that does not answer, and passes an abort through', async () => {
    server.answer(() => {})
    const client = createJsonRpcClient({ url: server.url, timeout: 100 })
    await expect(client.request('eth_blockNumber', [])).rejects.toThrow(/timed out after 100 ms/)
    const controller = new AbortController()
    const pending = createJsonRpcClient({ url: server.url }).request('eth_blockNumber', [], {
      signal: controller.signal,
    })
    const reason = new Error('stop')
    controller.abort(reason)
    await expect(pending).rejects.toBe(reason)
  })
})
