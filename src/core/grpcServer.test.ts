import * as grpc from '@grpc/grpc-js'
import { afterEach, describe, expect, test } from 'vitest'
import { Checkin, type CheckinResp, NodeService } from '../gen/checkin.js'
import { BaseError } from './errors.js'
import { createGrpcServer, type GrpcServer, GrpcStatus, GrpcStatusError, unary } from './grpcServer.js'
import { createLogger } from './logger.js'

const logger = createLogger({ level: 'silent' })

/** A client for NodeService whose request serializer sends whatever bytes it is given. */
const RawClient = grpc.makeGenericClientConstructor(
  {
    ping: {
      ...NodeService.ping,
      requestSerialize: (bytes: Buffer) => bytes,
    },
  },
  'Node',
)
type PingClient = grpc.Client & {
  ping(
    request: Buffer,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: (error: grpc.ServiceError | null, response?: CheckinResp) => void,
  ): grpc.ClientUnaryCall
}

function ping(address: string, bytes: Buffer, deadlineMs = 5_000): Promise<CheckinResp> {
  const client = new RawClient(address, grpc.credentials.createInsecure()) as unknown as PingClient
  return new Promise<CheckinResp>((resolve, reject) => {
    client.ping(bytes, new grpc.Metadata(), { deadline: Date.now() + deadlineMs }, (error, response) => {
      client.close()
      if (error) reject(error)
      else resolve(response as CheckinResp)
    })
  })
}

const encode = (checkin: Partial<Checkin>) => Buffer.from(Checkin.encode(Checkin.fromPartial(checkin)).finish())

describe('createGrpcServer', () => {
  let server: GrpcServer | undefined
  afterEach(async () => {
    await server?.close()
    server = undefined
  })

  test('serves an async unary handler on the port it picked when asked for port 0', async () => {
    server = createGrpcServer({ address: '127.0.0.1:0', logger })
    server.addService(NodeService, {
      ping: unary(logger, async (request: Checkin) => ({ updatedAt: { seconds: request.blockNumber, nanos: 0 } })),
    })
    const address = await server.listen()
    expect(address).toMatch(/^127\.0\.0\.1:\d+$/)
    expect(address).not.toBe('127.0.0.1:0')
    const response = await ping(address, encode({ blockNumber: 42n }))
    expect(response.updatedAt?.seconds).toBe(42n)
  })

  test('answers INVALID_ARGUMENT naming the method when a request does not decode, and keeps serving', async () => {
    let calls = 0
    server = createGrpcServer({ address: '127.0.0.1:0', logger })
    server.addService(NodeService, {
      ping: unary(logger, () => {
        calls++
        return {}
      }),
    })
    const address = await server.listen()
    // Field 1 (id) as a length-delimited string claiming 100 bytes, with 3 present.
    const error = await ping(address, Buffer.from([0x0a, 100, 0x61, 0x62, 0x63])).catch((e: grpc.ServiceError) => e)
    expect(error).toMatchObject({ code: GrpcStatus.INVALID_ARGUMENT })
    expect((error as grpc.ServiceError).details).toMatch(/^malformed \/aggregator\.Node\/Ping request: /)
    expect(calls).toBe(0)
    await ping(address, encode({ version: 'v1' }))
    expect(calls).toBe(1)
  })

  test('refuses a message over maxReceiveMessageLength with RESOURCE_EXHAUSTED, and keeps serving', async () => {
    server = createGrpcServer({ address: '127.0.0.1:0', logger, maxReceiveMessageLength: 1024 })
    server.addService(NodeService, { ping: unary(logger, () => ({})) })
    const address = await server.listen()
    const error = await ping(address, encode({ version: 'x'.repeat(2048) })).catch((e: grpc.ServiceError) => e)
    expect(error).toMatchObject({ code: GrpcStatus.RESOURCE_EXHAUSTED })
    await expect(ping(address, encode({ version: 'x'.repeat(512) }))).resolves.toBeDefined()
  })

  test('answers a GrpcStatusError with its code and message, and any other error with a generic INTERNAL', async () => {
    server = createGrpcServer({ address: '127.0.0.1:0', logger })
    server.addService(NodeService, {
      ping: unary(logger, (request: Checkin) => {
        if (request.version === 'denied') throw new GrpcStatusError(GrpcStatus.PERMISSION_DENIED, 'not on the list')
        throw new Error('database password is hunter2')
      }),
    })
    const address = await server.listen()
    await expect(ping(address, encode({ version: 'denied' }))).rejects.toMatchObject({
      code: GrpcStatus.PERMISSION_DENIED,
      details: 'not on the list',
    })
    await expect(ping(address, encode({ version: 'boom' }))).rejects.toMatchObject({
      code: GrpcStatus.INTERNAL,
      details: 'internal error',
    })
  })

  test('close lets an in-flight call finish', async () => {
    server = createGrpcServer({ address: '127.0.0.1:0', logger, shutdownDeadlineMs: 5_000 })
    server.addService(NodeService, {
      ping: unary(logger, async () => {
        await new Promise((resolve) => setTimeout(resolve, 300))
        return { updatedAt: { seconds: 7n, nanos: 0 } }
      }),
    })
    const address = await server.listen()
    const inFlight = ping(address, encode({}))
    await new Promise((resolve) => setTimeout(resolve, 100))
    const closing = server.close()
    await expect(inFlight).resolves.toMatchObject({ updatedAt: { seconds: 7n } })
    await closing
    server = undefined
    await expect(ping(address, encode({}), 1_000)).rejects.toMatchObject({ code: GrpcStatus.UNAVAILABLE })
  })

  test('close cancels calls still running at the deadline', async () => {
    server = createGrpcServer({ address: '127.0.0.1:0', logger, shutdownDeadlineMs: 200 })
    server.addService(NodeService, { ping: () => {} })
    const address = await server.listen()
    const hanging = ping(address, encode({}), 10_000).catch((e: grpc.ServiceError) => e)
    await new Promise((resolve) => setTimeout(resolve, 100))
    const started = Date.now()
    await server.close()
    server = undefined
    expect(Date.now() - started).toBeLessThan(2_000)
    expect(await hanging).toMatchObject({ code: expect.any(Number) })
  })

  test('fails to listen on a port in use with an error naming the address and the flag', async () => {
    server = createGrpcServer({ address: '127.0.0.1:0', logger })
    const address = await server.listen()
    const second = createGrpcServer({ address, logger })
    const error = await second.listen().catch((e: unknown) => e)
    await second.close()
    expect(error).toBeInstanceOf(BaseError)
    expect((error as BaseError).shortMessage).toBe(`Cannot listen for gRPC on ${address}.`)
    expect((error as BaseError).exitCode).toBe(2)
  })
})
