/**
 * The joining side of `joinExistingCluster`: signs a join request over a recent block (joinRequest.ts), sends it
 * to the member it was given, follows that member to the leader when it is a follower, and waits until the
 * leader has added this member as a learner, let it catch up and promoted it to voter (Raft thesis 4.2.1).
 * A refusal (not a registered operator, a stale block, another chain) ends the attempt with the leader's reason;
 * an unreachable member, a leader election or a membership change in progress are retried until `timeoutMs`.
 */
import type { Address, Hex } from 'viem'
import type { Logger } from '../core/logger.js'
import { sleep } from '../core/sleep.js'
import { RaftStoppedError, RaftTimeoutError } from '../raft/index.js'
import { postToMember } from './consensusClient.js'
import type { JoinAnswer } from './consensusRoutes.js'
import type { MemberAddress } from './consensusState.js'
import { type JoinRefusal, JoinRefusedError, signJoinRequest } from './joinRequest.js'

export type JoinClusterParameters = {
  url: string
  latestBlock: bigint
  privateKey: Hex
  chainId: number
  registryCoordinator: Address
  self: MemberAddress
  /** The leader's member directory, as it answered. */
  onMembers: (members: JoinAnswer['members']) => void
  /** Whether this member is a voter in its own (applied) configuration. */
  isVoter: () => boolean
  signal: AbortSignal
  logger: Logger
  timeoutMs?: number | undefined
}

export async function joinCluster(parameters: JoinClusterParameters): Promise<void> {
  const { logger, signal } = parameters
  const deadline = Date.now() + (parameters.timeoutMs ?? 120_000)
  const request = await signJoinRequest({
    privateKey: parameters.privateKey,
    chainId: parameters.chainId,
    registryCoordinator: parameters.registryCoordinator,
    raftAddress: parameters.self.raftAddress,
    httpUrl: parameters.self.httpUrl,
    blockNumber: parameters.latestBlock,
  })
  let target = parameters.url
  for (let delay = 200; ; delay = Math.min(delay * 2, 2_000)) {
    if (signal.aborted) throw new RaftStoppedError()
    if (Date.now() > deadline) throw new RaftTimeoutError(`no leader accepted the join request via ${parameters.url}`)
    let reply: Awaited<ReturnType<typeof postToMember>>
    try {
      reply = await postToMember(target, '/join', request, 30_000)
    } catch (error) {
      logger.warn({ err: error, member: target, retryInMs: delay }, 'join request not delivered; retrying')
      target = parameters.url
      await sleep(delay, signal)
      continue
    }
    const body = (reply.body ?? {}) as { error?: string; reason?: JoinRefusal; leaderUrl?: string | null }
    if (reply.status === 200) {
      parameters.onMembers((reply.body as JoinAnswer).members)
      break
    }
    if (reply.status === 421) {
      if (body.leaderUrl && body.leaderUrl !== target) {
        target = body.leaderUrl
        continue
      }
      await sleep(delay, signal)
      continue
    }
    if (reply.status === 400 || reply.status === 403) {
      throw new JoinRefusedError(body.reason ?? 'malformed', `join refused by ${target}: ${body.error ?? reply.status}`)
    }
    logger.warn({ member: target, status: reply.status, error: body.error }, 'join request not taken yet; retrying')
    await sleep(delay, signal)
  }
  logger.info({ leader: target }, 'join accepted: catching up as a learner')
  while (!parameters.isVoter()) {
    if (signal.aborted) throw new RaftStoppedError()
    if (Date.now() > deadline) throw new RaftTimeoutError('this member was not promoted to voter in time')
    await sleep(50, signal)
  }
  logger.info('joined the cluster as a voter')
}
