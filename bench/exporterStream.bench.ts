/**
 * Exporter `/stream` fan-out: 1,000 WebSocket clients in a second process receiving the same messages from
 * avskit's `/stream` and from a bare `ws` WebSocketServer broadcasting them, in the same run.
 *
 *     node --import tsx bench/exporterStream.bench.ts                             # PGlite in memory
 *     DATABASE_URL=postgres://… node --import tsx bench/exporterStream.bench.ts   # PostgreSQL (a fresh database)
 *
 * Each round sends `EXPORTER_BENCH_MESSAGES` (default 1,000) validator messages to every client; a round ends when
 * the last client has its last message (checked by its cursor). Rates are messages delivered per second, summed
 * over clients. Three kinds of round, alternating:
 *
 * - bare `ws`: the texts avskit sent in its previous round (cursor included), broadcast with the `ws` README's
 *   pattern (`for (const client of wss.clients) client.send(text)`), 500 messages at a time with a turn of the
 *   event loop between (as avskit's stream source reads pages of 500).
 * - bare `ws`, frames built once: the same server and texts, but each page's frames built once and written to
 *   every client's socket in one write, as avskit does: what fan-out costs without the database.
 * - avskit fan-out: the previous round's 1,000 messages appended again (new seqs, stored as text, as a rollback
 *   writes out the messages it orphans) and notified in one statement, timed from before it: notification, outbox
 *   reads, framing and the writes to every socket, without the cost of indexing events (nor that of building
 *   each message from its row, which the live rounds include).
 * - avskit live: the clock starts before the writes: the same messages committed by the writer in this process in
 *   transactions of 100 events (as the indexer commits), and delivered as they commit.
 *
 * The clients' process only counts frames (ws parses each) and parses each client's last message.
 */
import type { ChildProcess } from 'node:child_process'
import type { Socket } from 'node:net'
import { availableParallelism, loadavg } from 'node:os'
import { WebSocket, WebSocketServer } from 'ws'
import { createLogger } from '../src/core/logger.js'
import { createMetrics } from '../src/core/metrics.js'
import { startExporterApi } from '../src/exporter/api/index.js'
import { webSocketTextFrame } from '../src/exporter/api/webSocketTextFrame.js'
import { createExporterRepository, type Database, openDatabase } from '../src/store/index.js'
import { at, operatorAdded, validatorAdded } from '../test/exporterEvents.js'
import { forkBenchClient } from './benchClientProcess.js'
import type { RoundResult, StreamClientRequest } from './exporterStreamBenchClient.js'
import { openFreshPostgresDatabase } from './freshPostgresDatabase.js'
import { runOnce } from './runOnce.js'

const CLIENTS = Number(process.env.EXPORTER_BENCH_CLIENTS ?? 1_000)
const MESSAGES = Number(process.env.EXPORTER_BENCH_MESSAGES ?? 1_000)
const ROUNDS = Number(process.env.EXPORTER_BENCH_ROUNDS ?? 5)
const PAGE = 500
const WRITE_BATCH = 100

type Round = { rate: number; serverCpuUs: number; clientCpuUs: number }
type Kind = 'bare' | 'bareFrames' | 'fanout' | 'live'

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}

async function openBenchDatabase(): Promise<{ database: Database; label: string; drop(): Promise<void> }> {
  const url = process.env.DATABASE_URL
  if (!url) return { database: await openDatabase(), label: 'PGlite in memory', drop: async () => {} }
  return { ...(await openFreshPostgresDatabase(url)), label: 'PostgreSQL' }
}

export async function main() {
  const loadBefore = loadavg()
  const { database, label, drop } = await openBenchDatabase()
  const metrics = createMetrics({ defaultMetrics: false })
  const logger = createLogger({ level: 'silent' })
  const api = await startExporterApi({ database, address: '127.0.0.1:0', logger, metrics })
  const bare = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false })
  await new Promise<void>((resolve) => bare.once('listening', () => resolve()))
  const barePort = (bare.address() as { port: number }).port
  const bareSockets = new Set<Socket>()
  bare.on('connection', (ws, request) => {
    bareSockets.add(request.socket as Socket)
    ws.on('close', () => bareSockets.delete(request.socket as Socket))
  })
  let child: ChildProcess | undefined
  try {
    const client = forkBenchClient<StreamClientRequest>(new URL('./exporterStreamBenchClient.ts', import.meta.url))
    child = client.child
    const { ask } = client
    await ask({ type: 'connect', target: 'avskit', url: `${api.wsUrl}/stream`, count: CLIENTS })
    await ask({ type: 'connect', target: 'bare', url: `ws://127.0.0.1:${barePort}`, count: CLIENTS })
    if (api.connections !== CLIENTS || bare.clients.size !== CLIENTS) throw new Error('not every client connected')

    const exporter = createExporterRepository(database.db)
    // The validators' operators, delivered before the first round counts anything.
    await ask({ type: 'expect', target: 'avskit', n: 4, lastCursor: 4 })
    await exporter.applyEvents([1, 2, 3, 4].map((id) => operatorAdded(id, at(1, id))))
    await ask({ type: 'wait' })
    let validator = 0
    let block = 2
    const nextEvents = () =>
      Array.from({ length: MESSAGES }, (_, i) => {
        if (i % WRITE_BATCH === 0) block += 1
        return validatorAdded(validator++, [1, 2, 3, 4], at(block, i % WRITE_BATCH))
      })
    /** The texts avskit sent in its last round, for the bare server to send, and its outbox rows. */
    let lastTexts: string[] = []
    let lastRows: Awaited<ReturnType<typeof exporter.readStream>> = []
    let payloadBytes = 0

    const run = async (kind: Kind): Promise<Round> => {
      if (kind === 'bare' || kind === 'bareFrames') {
        const texts = lastTexts
        const lastCursor = (JSON.parse(texts.at(-1) as string) as { cursor: number }).cursor
        await ask({ type: 'expect', target: 'bare', n: texts.length, lastCursor })
        const cpu = process.cpuUsage()
        const started = performance.now()
        for (let start = 0; start < texts.length; start += PAGE) {
          const page = texts.slice(start, start + PAGE)
          if (kind === 'bare') {
            for (const text of page) {
              for (const client of bare.clients) if (client.readyState === WebSocket.OPEN) client.send(text)
            }
          } else {
            const frames = Buffer.concat(page.map(webSocketTextFrame))
            for (const socket of bareSockets) socket.write(frames)
          }
          await new Promise((resolve) => setImmediate(resolve))
        }
        const result = await ask<RoundResult>({ type: 'wait' })
        return finish(result, started, cpu)
      }
      const head = await exporter.streamHead()
      await ask({ type: 'expect', target: 'avskit', n: MESSAGES, lastCursor: Number(head) + MESSAGES })
      const events = kind === 'live' ? nextEvents() : []
      const cpu = process.cpuUsage()
      const started = performance.now()
      if (kind === 'fanout') {
        // The previous round's messages appended again, as new outbox rows, and notified in one statement.
        await database.query(
          `with copied as (
             insert into exporter_stream (seq, type, key, payload)
             select $1::int8 + n, type, key, payload::json
             from unnest($2::text[], $3::text[], $4::text[]) with ordinality as input(type, key, payload, n)
             returning seq)
           select pg_notify('avskit_exporter_stream', max(seq)::text) from copied`,
          [head.toString(), lastRows.map((r) => r.type), lastRows.map((r) => r.key), lastRows.map((r) => r.payload)],
        )
      } else {
        for (let start = 0; start < events.length; start += WRITE_BATCH) {
          await exporter.applyEvents(events.slice(start, start + WRITE_BATCH))
        }
      }
      const result = await ask<RoundResult>({ type: 'wait' })
      const round = finish(result, started, cpu)
      const rows = await exporter.readStream({ after: head, limit: MESSAGES })
      lastRows = rows
      lastTexts = rows.map((row) => `${row.payload.slice(0, -1)},"cursor":${row.seq}}`)
      payloadBytes = lastTexts.reduce((n, text) => n + Buffer.byteLength(text), 0) / lastTexts.length
      return round
    }
    const finish = (result: RoundResult, started: number, cpu: NodeJS.CpuUsage): Round => {
      const ms = performance.now() - started
      if (result.wrongLast > 0 || result.closed > 0) {
        throw new Error(`${result.wrongLast} clients missed their last message, ${result.closed} closed`)
      }
      const used = process.cpuUsage(cpu)
      const delivered = MESSAGES * CLIENTS
      return {
        rate: (delivered / ms) * 1000,
        serverCpuUs: (used.user + used.system) / delivered,
        clientCpuUs: (result.cpuMs * 1000) / delivered,
      }
    }

    // Warm-up: one round of each (JIT, socket buffers), not counted.
    await run('live')
    await run('fanout')
    await run('bare')
    await run('bareFrames')
    const rounds: Record<Kind, Round[]> = { bare: [], bareFrames: [], fanout: [], live: [] }
    for (let r = 0; r < ROUNDS; r++) {
      rounds.fanout.push(await run('fanout'))
      rounds.bare.push(await run('bare'))
      rounds.bareFrames.push(await run('bareFrames'))
      rounds.live.push(await run('live'))
    }
    const lagged = (await metrics.exporter.laggedDisconnectsTotal.get()).values[0]?.value ?? 0
    return { label, rounds, payloadBytes, lagged, loadBefore, loadAfter: loadavg() }
  } finally {
    if (child?.connected) child.disconnect()
    for (const client of bare.clients) client.terminate()
    bare.close()
    await api.close()
    await database.close()
    await drop()
  }
}

function report(figures: Awaited<ReturnType<typeof main>>): string {
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US')
  const line = (name: string, kind: Kind) => {
    const rounds = figures.rounds[kind]
    return `  ${name}: median ${fmt(median(rounds.map((r) => r.rate)))} messages/s (rounds: ${rounds
      .map((r) => fmt(r.rate))
      .join(', ')}); server CPU ${median(rounds.map((r) => r.serverCpuUs)).toFixed(2)} µs, clients' CPU ${median(
      rounds.map((r) => r.clientCpuUs),
    ).toFixed(2)} µs per delivered message`
  }
  const bare = median(figures.rounds.bare.map((r) => r.rate))
  const bareFrames = median(figures.rounds.bareFrames.map((r) => r.rate))
  const load = (l: number[]) => l.map((n) => n.toFixed(2)).join(' ')
  return [
    `exporter /stream fan-out, ${CLIENTS.toLocaleString('en-US')} clients × ${MESSAGES.toLocaleString('en-US')} messages a round (${figures.payloadBytes.toFixed(0)} bytes each), ${figures.label}, ${availableParallelism()} cores, Node ${process.version}`,
    line('bare ws broadcast          ', 'bare'),
    line('bare ws, frames built once ', 'bareFrames'),
    line('avskit /stream, outbox rows ', 'fanout'),
    line('avskit /stream with writes ', 'live'),
    `  ratio avskit / bare ws broadcast: ${(median(figures.rounds.fanout.map((r) => r.rate)) / bare).toFixed(2)} from outbox rows, ${(median(figures.rounds.live.map((r) => r.rate)) / bare).toFixed(2)} with the writes`,
    `  ratio avskit / bare ws with frames built once: ${(median(figures.rounds.fanout.map((r) => r.rate)) / bareFrames).toFixed(2)} from outbox rows, ${(median(figures.rounds.live.map((r) => r.rate)) / bareFrames).toFixed(2)} with the writes`,
    `  lagged disconnects: ${figures.lagged}; load average before ${load(figures.loadBefore)}, after ${load(figures.loadAfter)}`,
  ].join('\n')
}

await runOnce('exporter /stream: 1,000 clients from a second process vs a bare ws broadcast (one full run)', async () =>
  report(await main()),
)
