/**
 * The client side of a member's HTTP API (consensusRoutes.ts): members use it to send signed responses to the
 * leader and to join, `avskit cluster status` to read a member's view. Bodies are JSON with tagged bigints.
 */
import { BaseError } from '../core/errors.js'
import { parseConsensusJson, stringifyConsensusJson } from './consensusJson.js'
import { consensusApiPrefix } from './consensusRoutes.js'
import type { ClusterStatus } from './taskConsensusTypes.js'

export type ConsensusReply = { status: number; body: unknown }

/** The member could not be reached, or answered with something that is not JSON. */
export class ConsensusRequestError extends BaseError {
  override name = 'ConsensusRequestError'
}

async function request(
  baseUrl: string,
  path: string,
  init: { method: 'GET' | 'POST'; body?: unknown; timeoutMs?: number | undefined },
): Promise<ConsensusReply> {
  const url = `${baseUrl.replace(/\/+$/, '')}${consensusApiPrefix}${path}`
  let response: Response
  try {
    response = await fetch(url, {
      method: init.method,
      headers: init.body === undefined ? {} : { 'content-type': 'application/json' },
      body: init.body === undefined ? null : stringifyConsensusJson(init.body),
      signal: AbortSignal.timeout(init.timeoutMs ?? 10_000),
    })
  } catch (cause) {
    throw new ConsensusRequestError(`cannot reach the cluster member at ${baseUrl}`, { cause })
  }
  const text = await response.text()
  try {
    return { status: response.status, body: text === '' ? null : parseConsensusJson(text, 'reply') }
  } catch (cause) {
    throw new ConsensusRequestError(`${url} answered ${response.status} with a body that is not JSON`, { cause })
  }
}

export function postToMember(baseUrl: string, path: string, body: unknown, timeoutMs?: number) {
  return request(baseUrl, path, { method: 'POST', body, timeoutMs })
}

/**
 * A member's view of its cluster.
 *
 * @example
 * const status = await fetchClusterStatus('http://127.0.0.1:7201')
 * console.log(status.leaderId, status.term, status.commit)
 */
export async function fetchClusterStatus(baseUrl: string, timeoutMs?: number): Promise<ClusterStatus> {
  const reply = await request(baseUrl, '/status', { method: 'GET', timeoutMs })
  if (reply.status !== 200) {
    throw new ConsensusRequestError(`${baseUrl} answered ${reply.status} to a status request`, {
      details: JSON.stringify(reply.body),
    })
  }
  return reply.body as ClusterStatus
}
