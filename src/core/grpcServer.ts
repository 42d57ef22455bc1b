/**
 * One gRPC server per process on `@grpc/grpc-js` (DESIGN.md: measured ~3.5× the unary throughput of Connect-node's
 * gRPC), shared by every service the process hosts: each adds its services before `listen()`.
 *
 * What the wrapper adds to a bare `grpc.Server`:
 * - a bound on received messages (`grpc.max_receive_message_length`): anything larger is refused with
 *   RESOURCE_EXHAUSTED before it is decoded;
 * - keepalive pings, so connections to peers that vanished (a killed operator, a dropped NAT entry) are closed;
 * - unary requests that do not decode are answered INVALID_ARGUMENT naming the method and the decoding error
 *   (grpc-js itself answers INTERNAL "Error deserializing request"), and the handler never sees them;
 * - handlers that throw or reject are answered with the `GrpcStatusError`'s code and message, or INTERNAL with a
 *   generic message (the error itself goes to the log, not to the caller);
 * - `close()` stops accepting calls, lets in-flight calls finish until a deadline, then cancels the rest.
 */
import * as grpc from '@grpc/grpc-js'
import { BaseError, type BaseErrorParameters } from './errors.js'
import { parseHostPort } from './httpService.js'
import type { Logger } from './logger.js'

/** gRPC status codes (`GrpcStatus.UNAUTHENTICATED`, …). */
export const GrpcStatus = grpc.status

/** An error a handler throws to answer with a specific gRPC status; `shortMessage` becomes the status details. */
export class GrpcStatusError extends BaseError {
  override name = 'GrpcStatusError'
  constructor(
    readonly code: grpc.status,
    shortMessage: string,
    parameters: BaseErrorParameters = {},
  ) {
    super(shortMessage, parameters)
  }
}

export type CreateGrpcServerParameters = {
  /** `host:port`; port 0 picks a free one. */
  address: string
  logger: Logger
  /** Largest accepted request message in bytes (default 1 MiB); larger ones get RESOURCE_EXHAUSTED. */
  maxReceiveMessageLength?: number | undefined
  /** Milliseconds between keepalive pings to idle clients (default 30 s). */
  keepaliveTimeMs?: number | undefined
  /** Milliseconds to wait for a keepalive ack before closing the connection (default 10 s). */
  keepaliveTimeoutMs?: number | undefined
  /** Milliseconds `close()` lets in-flight calls finish before cancelling them (default 5 s). */
  shutdownDeadlineMs?: number | undefined
}

/** A unary handler written as an async function: return the response or throw (`GrpcStatusError` for a code). */
export type UnaryHandler<Request, Response> = (
  request: Request,
  call: grpc.ServerUnaryCall<Request, Response>,
) => Promise<Response> | Response

export type GrpcServer = {
  /** The grpc-js server, for what the wrapper does not cover. */
  readonly server: grpc.Server
  /**
   * Adds a service. Unary handlers may be plain grpc-js handlers or async functions (see `unary`); their requests
   * are decoded safely (INVALID_ARGUMENT when a request does not decode).
   */
  addService(definition: grpc.ServiceDefinition, implementation: grpc.UntypedServiceImplementation): void
  /** Binds and starts serving; resolves to the bound `host:port` (the real port when 0 was asked). */
  listen(): Promise<string>
  /** Graceful stop: no new calls, in-flight calls finish until the deadline, then the rest are cancelled. */
  close(): Promise<void>
}

/** Marks a request that failed to decode; replaced by an INVALID_ARGUMENT answer before any handler runs. */
class UndecodableRequest {
  constructor(readonly reason: string) {}
}

/**
 * Turns an async function into a grpc-js unary handler: the returned value is the response; a thrown
 * `GrpcStatusError` becomes its status; anything else becomes INTERNAL "internal error" and is logged.
 *
 * @example
 * grpc.addService(NodeService, { ping: unary(logger, async (request) => ({ updatedAt: now() })) })
 */
export function unary<Request, Response>(
  logger: Logger,
  handler: UnaryHandler<Request, Response>,
): grpc.handleUnaryCall<Request, Response> {
  return (call, callback) => {
    let result: Promise<Response> | Response
    try {
      result = handler(call.request, call)
    } catch (error) {
      callback(toServiceError(error, logger, call.getPath()))
      return
    }
    if (result instanceof Promise) {
      result.then(
        (response) => callback(null, response),
        (error: unknown) => callback(toServiceError(error, logger, call.getPath())),
      )
    } else callback(null, result)
  }
}

function toServiceError(error: unknown, logger: Logger, path: string): Partial<grpc.StatusObject> {
  if (error instanceof GrpcStatusError) return { code: error.code, details: error.shortMessage }
  logger.error({ err: error, method: path }, 'gRPC handler failed')
  return { code: grpc.status.INTERNAL, details: 'internal error' }
}

/**
 * Creates the process's gRPC server (not yet listening).
 *
 * @example
 * const grpcServer = createGrpcServer({ address: '127.0.0.1:2206', logger })
 * grpcServer.addService(NodeService, { ping: unary(logger, handlePing) })
 * const bound = await grpcServer.listen() // '127.0.0.1:2206'
 * shutdown.add('grpc', () => grpcServer.close())
 */
export function createGrpcServer(parameters: CreateGrpcServerParameters): GrpcServer {
  const { host, port } = parseHostPort(parameters.address, 'gRPC address')
  const logger = parameters.logger.child({ module: 'grpc' })
  const server = new grpc.Server({
    'grpc.max_receive_message_length': parameters.maxReceiveMessageLength ?? 1024 * 1024,
    'grpc.keepalive_time_ms': parameters.keepaliveTimeMs ?? 30_000,
    'grpc.keepalive_timeout_ms': parameters.keepaliveTimeoutMs ?? 10_000,
  })
  const deadlineMs = parameters.shutdownDeadlineMs ?? 5_000
  let listening = false

  return {
    server,
    addService(definition, implementation) {
      const safeDefinition: Record<string, grpc.MethodDefinition<unknown, unknown>> = {}
      const safeImplementation: grpc.UntypedServiceImplementation = { ...implementation }
      for (const [name, method] of Object.entries(definition)) {
        const unaryMethod = !method.requestStream && !method.responseStream
        const handler = implementation[name]
        if (!unaryMethod || typeof handler !== 'function') {
          safeDefinition[name] = method
          continue
        }
        safeDefinition[name] = {
          ...method,
          requestDeserialize: (bytes: Buffer) => {
            try {
              return method.requestDeserialize(bytes)
            } catch (error) {
              return new UndecodableRequest(error instanceof Error ? error.message : String(error))
            }
          },
        }
        const inner = handler as grpc.handleUnaryCall<unknown, unknown>
        safeImplementation[name] = ((call, callback) => {
          if (call.request instanceof UndecodableRequest) {
            callback({
              code: grpc.status.INVALID_ARGUMENT,
              details: `malformed ${method.path} request: ${call.request.reason}`,
            })
            return
          }
          inner(call, callback)
        }) satisfies grpc.handleUnaryCall<unknown, unknown>
      }
      server.addService(safeDefinition as grpc.ServiceDefinition, safeImplementation)
    },
    listen() {
      return new Promise((resolve, reject) => {
        const target = `${host.includes(':') ? `[${host}]` : host}:${port}`
        server.bindAsync(target, grpc.ServerCredentials.createInsecure(), (error, boundPort) => {
          if (error) {
            reject(
              new BaseError(`Cannot listen for gRPC on ${target}.`, {
                cause: error,
                exitCode: 2,
                metaMessages: ['Is another process using the port? Pick another with --grpc-addr.'],
              }),
            )
            return
          }
          listening = true
          const bound = `${host.includes(':') ? `[${host}]` : host}:${boundPort}`
          logger.info({ address: bound }, 'gRPC listening')
          resolve(bound)
        })
      })
    },
    close() {
      if (!listening) {
        server.forceShutdown()
        return Promise.resolve()
      }
      listening = false
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          logger.warn({ deadlineMs }, 'in-flight gRPC calls did not finish in time: cancelling them')
          server.forceShutdown()
          resolve()
        }, deadlineMs)
        server.tryShutdown(() => {
          clearTimeout(timer)
          resolve()
        })
      })
    },
  }
}
