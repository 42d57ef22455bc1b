/**
 * The second process of bench/pool.bench.ts: 10,000 operators checking in over one HTTP/2 connection per target,
 * `concurrency` calls in flight. Tokens are signed before the clock starts (signing is the operators' cost, not the
 * aggregator's); the burst is timed from the first call to the last answer. A burst longer than `signAhead` (the
 * untimed cold pass) signs its tokens a slice at a time as it goes, so that none is older than the aggregator's 30 s
 * window when it is sent, however slow the pass. Driven over IPC by the bench.
 */
import * as grpc from '@grpc/grpc-js'
import type { Address, Hex } from 'viem'
import { Checkin, type CheckinResp, NodeService } from '../src/gen/checkin.js'
import { signCheckinToken } from '../src/pool/index.js'

export type ClientRequest =
  | { type: 'init'; keys: Hex[]; addresses: Address[]; targets: Record<string, string> }
  | { type: 'burst'; target: string; count: number; concurrency: number; signAhead?: number | undefined }
  | { type: 'gets'; url: string; count: number }
  | { type: 'sign'; count: number }
  | { type: 'paced'; target: string; rate: number }

/** Milliseconds of each `GET`, one after the other, body read to the end; and the body's size. */
export type GetsResult = { type: 'gets'; times: number[]; bytes: number }

export type BurstResult = {
  type: 'burst'
  ms: number
  ok: number
  errors: Record<string, number>
  /** Client CPU while the burst ran (user + system), ms. */
  cpuMs: number
}

type NodeClient = grpc.Client & {
  ping(
    request: Checkin,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: (error: grpc.ServiceError | null, response?: CheckinResp) => void,
  ): grpc.ClientUnaryCall
}
const NodeClientConstructor = grpc.makeGenericClientConstructor(NodeService, 'Node')

/** The status and message of a failed call, addresses and numbers masked so that refusals of one kind count together. */
function refusal(error: grpc.ServiceError): string {
  const details = error.details.replace(/0x[0-9a-fA-F]{40}/g, '<address>').replace(/[0-9]+/g, 'N')
  return `${grpc.status[error.code] ?? error.code}: ${details}`
}

let keys: Hex[] = []
let addresses: Address[] = []
const lastEpoch: number[] = []
const clients = new Map<string, NodeClient>()
let cursor = 0

function prepare(count: number) {
  const calls: { request: Checkin; metadata: grpc.Metadata }[] = []
  const now = Math.floor(Date.now() / 1000)
  for (let i = 0; i < count; i++) {
    const index = cursor++ % keys.length
    const epoch = Math.max(now, (lastEpoch[index] ?? 0) + 1)
    lastEpoch[index] = epoch
    const address = addresses[index] as Address
    const metadata = new grpc.Metadata()
    metadata.set('authorization', `Bearer ${signCheckinToken({ privateKey: keys[index] as Hex, address, epoch })}`)
    const request = Checkin.fromPartial({
      address,
      version: 'bench/1.0.0',
      metricsPort: 9090,
      blockNumber: BigInt(20_000_000 + i),
      eventCount: BigInt(i),
      supportedChainIds: [31337n],
    })
    calls.push({ request, metadata })
  }
  return calls
}

async function burst(target: string, count: number, concurrency: number, signAhead = count): Promise<BurstResult> {
  const client = clients.get(target)
  if (!client) throw new Error(`unknown target ${target}`)
  const calls = prepare(Math.min(count, signAhead))
  const errors: Record<string, number> = {}
  let ok = 0
  let next = 0
  let done = 0
  const cpu = process.cpuUsage()
  const started = performance.now()
  await new Promise<void>((resolve) => {
    const send = () => {
      if (next === calls.length && calls.length < count) {
        calls.push(...prepare(Math.min(signAhead, count - calls.length)))
      }
      const call = calls[next++]
      if (!call) return
      client.ping(call.request, call.metadata, { deadline: Date.now() + 30_000 }, (error) => {
        if (error) {
          const name = refusal(error)
          errors[name] = (errors[name] ?? 0) + 1
        } else ok++
        if (++done === count) resolve()
        else send()
      })
    }
    for (let i = 0; i < Math.min(concurrency, count); i++) send()
  })
  const ms = performance.now() - started
  const used = process.cpuUsage(cpu)
  return { type: 'burst', ms, ok, errors, cpuMs: (used.user + used.system) / 1000 }
}

/** An open-loop run: check-in latencies in ms at the 50th and 99th percentile. */
export type PacedResult = Omit<BurstResult, 'type'> & { type: 'paced'; p50: number; p99: number }

let signed: ReturnType<typeof prepare> = []

/**
 * The check-ins signed by the last `sign` request, sent at `rate` a second whatever the answers, as operators on a
 * timer do (open loop), with no cap on calls in flight.
 */
async function paced(target: string, rate: number): Promise<PacedResult> {
  const client = clients.get(target)
  if (!client) throw new Error(`unknown target ${target}`)
  const calls = signed
  const count = calls.length
  const errors: Record<string, number> = {}
  const latencies: number[] = []
  let ok = 0
  let sent = 0
  const cpu = process.cpuUsage()
  const started = performance.now()
  await new Promise<void>((resolve) => {
    const dispatch = () => {
      const due = Math.min(count, Math.floor(((performance.now() - started) * rate) / 1000) + 1)
      for (; sent < due; sent++) {
        const call = calls[sent] as (typeof calls)[number]
        const at = performance.now()
        client.ping(call.request, call.metadata, { deadline: Date.now() + 30_000 }, (error) => {
          latencies.push(performance.now() - at)
          if (error) {
            const name = refusal(error)
            errors[name] = (errors[name] ?? 0) + 1
          } else ok++
          if (latencies.length === count) resolve()
        })
      }
      if (sent < count) setTimeout(dispatch, 1)
    }
    dispatch()
  })
  const ms = performance.now() - started
  const used = process.cpuUsage(cpu)
  latencies.sort((a, b) => a - b)
  const at = (p: number) => latencies[Math.min(count - 1, Math.ceil(p * count) - 1)] as number
  return { type: 'paced', ms, ok, errors, cpuMs: (used.user + used.system) / 1000, p50: at(0.5), p99: at(0.99) }
}

async function gets(url: string, count: number): Promise<GetsResult> {
  const times: number[] = []
  let bytes = 0
  for (let i = 0; i < count; i++) {
    const started = performance.now()
    const response = await fetch(url)
    bytes = (await response.arrayBuffer()).byteLength
    times.push(performance.now() - started)
    if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`)
  }
  return { type: 'gets', times, bytes }
}

process.on('message', ({ id, ...message }: ClientRequest & { id: number }) => {
  if (message.type === 'init') {
    keys = message.keys
    addresses = message.addresses
    for (const [name, address] of Object.entries(message.targets)) {
      clients.set(name, new NodeClientConstructor(address, grpc.credentials.createInsecure()) as unknown as NodeClient)
    }
    process.send?.({ id, type: 'ready' })
    return
  }
  if (message.type === 'sign') {
    signed = prepare(message.count)
    process.send?.({ id, type: 'signed' })
    return
  }
  const work =
    message.type === 'gets'
      ? gets(message.url, message.count)
      : message.type === 'paced'
        ? paced(message.target, message.rate)
        : burst(message.target, message.count, message.concurrency, message.signAhead)
  work.then(
    (result) => process.send?.({ id, ...result }),
    (error: unknown) => process.send?.({ id, type: 'error', message: String(error) }),
  )
})
process.on('disconnect', () => {
  for (const client of clients.values()) client.close()
  process.exit(0)
})
