/**
 * The second process of bench/exporterStream.bench.ts: `count` WebSocket clients (the `ws` package, as a user's
 * program) per target, each counting the messages it receives. A round ends when every client of the target has
 * received `n` messages; the last message of each client is parsed to check its `cursor` (every other message is
 * only counted, so the clients' cost stays small against the servers'). Driven over IPC by the bench.
 */
import { WebSocket } from 'ws'

export type StreamClientRequest =
  | { type: 'connect'; target: string; url: string; count: number }
  /** Resets the target's counters and answers at once; the round's result is the answer to the next `wait`. */
  | { type: 'expect'; target: string; n: number; lastCursor: number }
  | { type: 'wait' }

export type RoundResult = {
  type: 'round'
  /** From the `expect` request to the last client's last message (the bench times its own side too). */
  ms: number
  /** Client process CPU (user + system) over the round. */
  cpuMs: number
  /** Clients whose last message did not carry `lastCursor`, and clients that closed. */
  wrongLast: number
  closed: number
}

type Target = { sockets: WebSocket[]; counts: number[]; closed: number }

const targets = new Map<string, Target>()
type Round = {
  target: Target
  n: number
  lastCursor: number
  finished: number
  wrongLast: number
  started: number
  cpu: NodeJS.CpuUsage
}
let round: Round | undefined
/** The finished round's result, until `wait` takes it; or the `wait` waiting for it. */
let result: RoundResult | undefined
let waiting: ((result: RoundResult) => void) | undefined

function onMessage(target: Target, i: number, data: WebSocket.RawData): void {
  const count = (target.counts[i] as number) + 1
  target.counts[i] = count
  if (!round || round.target !== target || count !== round.n) return
  const cursor = (JSON.parse(data.toString()) as { cursor?: number }).cursor
  if (cursor !== round.lastCursor) round.wrongLast += 1
  round.finished += 1
  if (round.finished === target.sockets.length) {
    const used = process.cpuUsage(round.cpu)
    const finished: RoundResult = {
      type: 'round',
      ms: performance.now() - round.started,
      cpuMs: (used.user + used.system) / 1000,
      wrongLast: round.wrongLast,
      closed: target.closed,
    }
    round = undefined
    if (waiting) waiting(finished)
    else result = finished
  }
}

async function connect(name: string, url: string, count: number): Promise<void> {
  const target: Target = { sockets: [], counts: [], closed: 0 }
  targets.set(name, target)
  for (let start = 0; start < count; start += 100) {
    await Promise.all(
      Array.from({ length: Math.min(100, count - start) }, (_, k) => {
        const i = start + k
        const ws = new WebSocket(url, { perMessageDeflate: false })
        target.sockets[i] = ws
        target.counts[i] = 0
        ws.on('message', (data) => onMessage(target, i, data))
        ws.on('close', () => {
          target.closed += 1
        })
        return new Promise<void>((resolve, reject) => {
          ws.once('open', () => resolve())
          ws.once('error', reject)
        })
      }),
    )
  }
}

process.on('message', ({ id, ...message }: StreamClientRequest & { id: number }) => {
  if (message.type === 'connect') {
    connect(message.target, message.url, message.count).then(
      () => process.send?.({ id, type: 'connected' }),
      (error: unknown) => process.send?.({ id, type: 'error', message: String(error) }),
    )
    return
  }
  if (message.type === 'wait') {
    const answer = (finished: RoundResult) => process.send?.({ id, ...finished })
    if (result) {
      answer(result)
      result = undefined
    } else {
      waiting = (finished) => {
        waiting = undefined
        answer(finished)
      }
    }
    return
  }
  const target = targets.get(message.target)
  if (!target) {
    process.send?.({ id, type: 'error', message: `unknown target ${message.target}` })
    return
  }
  target.counts.fill(0)
  result = undefined
  round = {
    target,
    n: message.n,
    lastCursor: message.lastCursor,
    finished: 0,
    wrongLast: 0,
    started: performance.now(),
    cpu: process.cpuUsage(),
  }
  process.send?.({ id, type: 'expecting' })
})

process.on('disconnect', () => {
  for (const target of targets.values()) for (const ws of target.sockets) ws.terminate()
  process.exit(0)
})
