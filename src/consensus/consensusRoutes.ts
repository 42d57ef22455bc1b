/**
 * The HTTP API of a cluster member (the original engine's "custom http server"), under `/consensus/v1`:
 *
 * - `POST /join`: a join request (joinRequest.ts); 200 with the member directory, 421 from a follower (with the
 *   leader's URL to retry at), 400 when malformed, 403 when refused, 503 when the chain cannot be asked;
 * - `POST /responses`: a signed task response for the leader's aggregation; 200 with `{ accepted, code,
 *   message }`, 421 from a follower, 503 while the leader cannot store it (retry);
 * - `GET /status`: members, leader, term, commit and applied index, tasks in flight;
 * - `GET /tasks/:index`: one task as the cluster recorded it.
 *
 * Bodies are JSON with tagged bigints (consensusJson.ts). A signed response needs no other authentication: the
 * aggregation service verifies its BLS signature against the operator's registered key.
 */
import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import type { ProcessResult } from '../aggregation/index.js'
import { InvalidInputError } from '../core/errors.js'
import { NotLeaderError } from '../raft/index.js'
import { parseConsensusJson, stringifyConsensusJson } from './consensusJson.js'
import { JoinRefusedError, type JoinRequest, parseJoinRequest } from './joinRequest.js'
import type { ClusterStatus, SignedTaskResponse } from './taskConsensusTypes.js'

export const consensusApiPrefix = '/consensus/v1'

export type JoinAnswer = { members: { id: string; raftAddress: string; httpUrl: string }[] }

export type ConsensusRouteHandlers = {
  join(request: JoinRequest): Promise<JoinAnswer>
  response(signed: SignedTaskResponse<unknown>): Promise<ProcessResult>
  status(): ClusterStatus
  task(taskIndex: bigint): unknown
  /** The leader's HTTP URL, when known (sent with 421 answers). */
  leaderUrl(): string | null
}

const signedSchema = z.object({
  response: z.unknown(),
  signature: z.object({ x: z.bigint(), y: z.bigint() }),
  operatorId: z.string().regex(/^0x[0-9a-fA-F]{64}$/, 'expected 32 bytes as 0x-hex'),
})

export function registerConsensusRoutes(app: FastifyInstance, handlers: ConsensusRouteHandlers): void {
  void app.register(
    async (scope) => {
      scope.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
        try {
          done(null, parseConsensusJson(body as string, 'request body'))
        } catch (error) {
          done(Object.assign(error as Error, { statusCode: 400 }), undefined)
        }
      })
      // Replies carry bigints too.
      scope.setReplySerializer((payload) => stringifyConsensusJson(payload))

      const notLeader = (error: NotLeaderError) => ({
        error: error.shortMessage,
        leaderId: error.leaderId || null,
        leaderUrl: handlers.leaderUrl(),
      })

      scope.post('/join', async (request, reply) => {
        try {
          return await handlers.join(parseJoinRequest(request.body))
        } catch (error) {
          if (error instanceof NotLeaderError) return reply.code(421).send(notLeader(error))
          if (error instanceof JoinRefusedError) {
            const code = error.reason === 'malformed' ? 400 : error.reason === 'lookup_failed' ? 503 : 403
            return reply.code(code).send({ error: error.shortMessage, reason: error.reason })
          }
          request.log.warn({ err: error }, 'join request failed')
          return reply.code(503).send({ error: error instanceof Error ? error.message : String(error) })
        }
      })

      scope.post('/responses', async (request, reply) => {
        const parsed = signedSchema.safeParse(request.body)
        if (!parsed.success) {
          const issue = parsed.error.issues[0]
          return reply.code(400).send({
            accepted: false,
            code: 'MALFORMED',
            message: `${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}`,
          })
        }
        try {
          const result = await handlers.response(parsed.data as SignedTaskResponse<unknown>)
          return result.status === 'accepted'
            ? { accepted: true, code: '', message: '' }
            : { accepted: false, code: result.code, message: result.message }
        } catch (error) {
          if (error instanceof NotLeaderError) return reply.code(421).send(notLeader(error))
          if (error instanceof InvalidInputError) {
            return reply.code(400).send({ accepted: false, code: 'MALFORMED', message: error.shortMessage })
          }
          return reply.code(503).send({ error: error instanceof Error ? error.message : String(error) })
        }
      })

      scope.get('/status', async () => handlers.status())

      scope.get<{ Params: { index: string } }>('/tasks/:index', async (request, reply) => {
        if (!/^\d{1,20}$/.test(request.params.index)) {
          return reply
            .code(400)
            .send({ error: `task index must be a non-negative integer, got "${request.params.index}"` })
        }
        const view = handlers.task(BigInt(request.params.index))
        return view ?? reply.code(404).send({ error: `task ${request.params.index} is not known to this cluster` })
      })
    },
    { prefix: consensusApiPrefix },
  )
}
