/**
 * Local stand-ins for where alerts go, speaking the real protocols: an HTTP server that records webhook POSTs (and can
 * fail on purpose), an HTTP server speaking the Telegram Bot API's `sendMessage`, and an SMTP server (npm
 * `smtp-server`) that requires a login and keeps the messages it receives.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { SMTPServer } from 'smtp-server'

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of request) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

const closeServer = (server: Server) =>
  new Promise<void>((resolve) => {
    server.closeAllConnections()
    server.close(() => resolve())
  })

export type WebhookServer = {
  /** Base URL; post to `${url}${path}`. */
  url: string
  /** Bodies of the requests answered 2xx. */
  received: unknown[]
  /** Requests seen, including failed ones. */
  attempts: number
  /** Answer the next `n` requests with HTTP 500. */
  failNext(n: number): void
  close(): Promise<void>
}

export async function startWebhookServer(path: string): Promise<WebhookServer> {
  let failures = 0
  const state = { received: [] as unknown[], attempts: 0 }
  const server = createServer(async (request, response) => {
    const body = await readBody(request)
    state.attempts++
    if (request.method !== 'POST' || request.url !== path) {
      response.writeHead(404).end()
      return
    }
    if (failures > 0) {
      failures--
      response.writeHead(500).end('try again')
      return
    }
    state.received.push(JSON.parse(body))
    response.writeHead(204).end()
  })
  const url = await listen(server)
  return {
    url,
    get received() {
      return state.received
    },
    get attempts() {
      return state.attempts
    },
    failNext(n) {
      failures = n
    },
    close: () => closeServer(server),
  }
}

export type TelegramServer = {
  /** The Bot API base URL (what --alert-telegram-api-url takes). */
  url: string
  messages: { chat_id: string; text: string; disable_web_page_preview?: boolean }[]
  close(): Promise<void>
}

/** Answers `POST /bot<token>/sendMessage` like the Bot API: `{ok: true, result}`, or 401 for another token. */
export async function startTelegramServer(token: string): Promise<TelegramServer> {
  const messages: TelegramServer['messages'] = []
  const server = createServer(async (request, response) => {
    const body = await readBody(request)
    const match = /^\/bot([^/]+)\/sendMessage$/.exec(request.url ?? '')
    response.setHeader('content-type', 'application/json')
    if (request.method !== 'POST' || !match) {
      response.writeHead(404).end(JSON.stringify({ ok: false, error_code: 404, description: 'Not Found' }))
      return
    }
    if (match[1] !== token) {
      response.writeHead(401).end(JSON.stringify({ ok: false, error_code: 401, description: 'Unauthorized' }))
      return
    }
    const message = JSON.parse(body) as { chat_id: string; text: string }
    if (!message.chat_id || !message.text) {
      response
        .writeHead(400)
        .end(JSON.stringify({ ok: false, error_code: 400, description: 'Bad Request: message text is empty' }))
      return
    }
    messages.push(message)
    response
      .writeHead(200)
      .end(JSON.stringify({ ok: true, result: { message_id: messages.length, text: message.text } }))
  })
  const url = await listen(server)
  return { url, messages, close: () => closeServer(server) }
}

export type SmtpServer = {
  /** `smtp://user:password@127.0.0.1:<port>` */
  url: string
  messages: { from: string; to: string[]; raw: string }[]
  close(): Promise<void>
}

/** An SMTP server on loopback that requires `user`/`password` (AUTH PLAIN/LOGIN) and keeps every message. */
export async function startSmtpServer(user: string, password: string): Promise<SmtpServer> {
  const messages: SmtpServer['messages'] = []
  const server = new SMTPServer({
    authMethods: ['PLAIN', 'LOGIN'],
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === user && auth.password === password) callback(null, { user })
      else callback(new Error('Invalid username or password'))
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = []
      stream.on('data', (chunk: Buffer) => chunks.push(chunk))
      stream.on('end', () => {
        messages.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        })
        callback()
      })
    },
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.server.address() as AddressInfo).port
  return {
    url: `smtp://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}`,
    messages,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
