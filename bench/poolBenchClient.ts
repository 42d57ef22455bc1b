/**
 * The second process of bench/pool.bench.ts: 10,000 operators checking in over one HTTP/2 connection per target,
 * `concurrency` calls in flight. Tokens are signed before the clock starts (signing is the operators' cost, not the
 * aggregator's); the burst is timed from the first call to the last answer. Driven over IPC by the bench.
 */
import * as grpc from '@grpc/grpc-js'
import type { Address, Hex } from 'viem'
import { Checkin, type CheckinResp, NodeService } from '../src/gen/checkin.js'
import { signCheckinToken } from '../src/pool/index.js'

export type ClientRequest =
  | { type: 'init'; keys: Hex[]; addresses: Address[]; targets: Record<string, string> }
  | { type: 'burst'; target: string; count: number; concurrency: number }
  | { type: 'gets'; url: string; count: number }

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

async function burst(target: string, count: number, concurrency: number): Promise<BurstResult> {
  const client = clients.get(target)
  if (!client) throw new Error(`unknown target ${target}`)
  const calls = prepare(count)
  const errors: Record<string, number> = {}
  let ok = 0
  let next = 0
  let done = 0
  const cpu = process.cpuUsage()
  const started = performance.now()
  await new Promise<void>((resolve) => {
    const send = () => {
      const call = calls[next++]
      if (!call) return
      client.ping(call.request, call.metadata, { deadline: Date.now() + 30_000 }, (error) => {
        if (error) {
          const name = grpc.status[error.code] ?? String(error.code)
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
  const work =
    message.type === 'gets'
      ? gets(message.url, message.count)
      : burst(message.target, message.count, message.concurrency)
  work.then(
    (result) => process.send?.({ id, ...result }),
    (error: unknown) => process.send?.({ id, type: 'error', message: String(error) }),
  )
})
process.on('disconnect', () => {
  for (const client of clients.values()) client.close()
  process.exit(0)
})
