/**
 * A WebSocket client for tests (the `ws` package, as a user's program would connect): every text message parsed
 * and queued; `next()` takes them in order, `until()` collects up to a predicate, `closed` resolves with the close
 * code and reason.
 */
import { type ClientOptions, WebSocket } from 'ws'

export type TestWebSocketClient = {
  ws: WebSocket
  /** Sends an object as JSON, or a string as is. */
  send(message: unknown): void
  /** The next message (parsed JSON); rejects after `timeoutMs`. */
  next(timeoutMs?: number): Promise<Record<string, unknown>>
  /** Sends `message` and returns the next message. */
  request(message: unknown, timeoutMs?: number): Promise<Record<string, unknown>>
  /** Messages up to and including the first that `done` accepts. */
  until(done: (message: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>[]>
  /** Resolves when the connection closes. */
  closed: Promise<{ code: number; reason: string }>
  close(): Promise<void>
}

export async function connectTestClient(url: string, options: ClientOptions = {}): Promise<TestWebSocketClient> {
  const ws = new WebSocket(url, options)
  const queue: Record<string, unknown>[] = []
  let waiter: (() => void) | undefined
  ws.on('message', (data) => {
    queue.push(JSON.parse(data.toString()))
    waiter?.()
  })
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.on('close', (code, reason) => {
      resolve({ code, reason: reason.toString() })
      waiter?.()
    })
  })
  ws.on('error', () => {})
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('unexpected-response', (_request, response) =>
      reject(new Error(`upgrade refused: HTTP ${response.statusCode}`)),
    )
    ws.once('error', reject)
  })

  const next = async (timeoutMs = 10_000) => {
    const deadline = Date.now() + timeoutMs
    while (queue.length === 0) {
      if (ws.readyState === WebSocket.CLOSED) throw new Error('the connection closed before a message arrived')
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`no message within ${timeoutMs} ms`)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left)
        waiter = () => {
          clearTimeout(timer)
          resolve()
        }
      })
      waiter = undefined
    }
    return queue.shift() as Record<string, unknown>
  }
  const send = (message: unknown) => ws.send(typeof message === 'string' ? message : JSON.stringify(message))
  return {
    ws,
    send,
    next,
    async request(message, timeoutMs) {
      send(message)
      return next(timeoutMs)
    },
    async until(done, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs
      const collected: Record<string, unknown>[] = []
      for (;;) {
        const message = await next(Math.max(1, deadline - Date.now()))
        collected.push(message)
        if (done(message)) return collected
      }
    },
    closed,
    async close() {
      if (ws.readyState === WebSocket.CLOSED) return
      ws.close()
      await closed
    },
  }
}
