/** Sends signed task responses to an aggregator over gRPC. */
import * as grpc from '@grpc/grpc-js'
import { hexToBytes, numberToBytes } from 'viem'
import type { TaskResponse } from '../chain/taskManager.js'
import type { G1Point } from '../crypto/index.js'
import { type SignedTaskResponseReply, TaskAggregatorService } from '../gen/aggregation.js'

export type TaskAggregatorClient = {
  send(parameters: {
    response: TaskResponse
    signature: G1Point
    operatorId: `0x${string}`
  }): Promise<SignedTaskResponseReply>
  close(): void
}

const Client = grpc.makeGenericClientConstructor(TaskAggregatorService, 'TaskAggregator')

/** @param address host:port of the aggregator's gRPC server (plaintext on loopback/private networks). */
export function createTaskAggregatorClient(
  address: string,
  options: { timeoutMs?: number } = {},
): TaskAggregatorClient {
  const client = new Client(address, grpc.credentials.createInsecure())
  return {
    send({ response, signature, operatorId }) {
      const request = {
        taskIndex: response.referenceTaskIndex,
        result: Buffer.from(hexToBytes(response.result)),
        signature: {
          x: Buffer.from(numberToBytes(signature.x, { size: 32 })),
          y: Buffer.from(numberToBytes(signature.y, { size: 32 })),
        },
        operatorId: Buffer.from(hexToBytes(operatorId)),
      }
      return new Promise((resolve, reject) => {
        client.makeUnaryRequest(
          TaskAggregatorService.processSignedTaskResponse.path,
          TaskAggregatorService.processSignedTaskResponse.requestSerialize,
          TaskAggregatorService.processSignedTaskResponse.responseDeserialize,
          request,
          { deadline: Date.now() + (options.timeoutMs ?? 10_000) },
          (error: grpc.ServiceError | null, reply?: SignedTaskResponseReply) =>
            error || !reply ? reject(error ?? new Error('empty reply')) : resolve(reply),
        )
      })
    },
    close() {
      client.close()
    },
  }
}
