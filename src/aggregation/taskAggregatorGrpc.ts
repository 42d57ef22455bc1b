/**
 * The gRPC face of the aggregation service (`avskit.aggregation.v1.TaskAggregator`): operators send the
 * TaskResponse they signed; the aggregator recomputes the digest itself (it never trusts a digest it is handed),
 * and answers with `accepted` or the rejection code. A rejection is an answer, not a gRPC error; gRPC errors
 * (UNAVAILABLE) mean "try again".
 */
import { bytesToHex, type Hex } from 'viem'
import { taskResponseDigest } from '../chain/taskManager.js'
import { GrpcStatus, GrpcStatusError, unary } from '../core/grpcServer.js'
import type { Logger } from '../core/logger.js'
import {
  type SignedTaskResponse,
  type SignedTaskResponseReply,
  type TaskAggregatorServer,
  TaskAggregatorService,
} from '../gen/aggregation.js'
import type { AggregationService } from './aggregationService.js'
import type { SignedResponse } from './types.js'

export { TaskAggregatorService }

function bytes32(value: Uint8Array | undefined): Hex | undefined {
  return value && value.length === 32 ? bytesToHex(value) : undefined
}

function coordinate(value: Uint8Array | undefined): bigint | undefined {
  if (!value || value.length === 0 || value.length > 32) return undefined
  return BigInt(bytesToHex(value))
}

/** Converts the wire message, or names what is malformed. */
export function fromWire(request: SignedTaskResponse): SignedResponse | { malformed: string } {
  const result = bytes32(request.result)
  if (!result) return { malformed: `result: expected 32 bytes, got ${request.result?.length ?? 0}` }
  const operatorId = bytes32(request.operatorId)
  if (!operatorId) return { malformed: `operator_id: expected 32 bytes, got ${request.operatorId?.length ?? 0}` }
  const x = coordinate(request.signature?.x)
  const y = coordinate(request.signature?.y)
  if (x === undefined || y === undefined) return { malformed: 'signature: expected x and y of 1 to 32 bytes each' }
  const response = { referenceTaskIndex: request.taskIndex, result }
  return {
    taskIndex: BigInt(request.taskIndex),
    digest: taskResponseDigest(response),
    signature: { x, y },
    operatorId,
    response,
  }
}

export function createTaskAggregatorServer(service: AggregationService, logger: Logger): TaskAggregatorServer {
  return {
    processSignedTaskResponse: unary(logger, async (request: SignedTaskResponse): Promise<SignedTaskResponseReply> => {
      const signed = fromWire(request)
      if ('malformed' in signed) return { accepted: false, code: 'MALFORMED', message: signed.malformed }
      let result: Awaited<ReturnType<AggregationService['processSignedResponse']>>
      try {
        result = await service.processSignedResponse(signed)
      } catch (error) {
        logger.error({ err: error, taskIndex: request.taskIndex }, 'processing a signed response failed')
        throw new GrpcStatusError(GrpcStatus.UNAVAILABLE, 'the aggregator could not process the response; retry')
      }
      return result.status === 'accepted'
        ? { accepted: true, code: '', message: '' }
        : { accepted: false, code: result.code, message: result.message }
    }),
  }
}
