/**
 * A request to join a task-consensus cluster. The joining operator signs, with its ECDSA key (EIP-191
 * `personal_sign` of a 32-byte digest),
 *
 *     keccak256(abi.encode("avskit:raft-join:v1", chainId, registryCoordinator, nodeId, raftAddress, httpUrl,
 *                          blockNumber))
 *
 * where `blockNumber` is a recent block it has seen. A member accepts the request when it is for this chain and
 * this AVS, the block is at most `windowBlocks` behind the member's head (and not ahead of it: a request cannot
 * be prepared for later use), the signature recovers to `nodeId`, and `nodeId` is a registered operator. Each
 * refusal says which rule failed.
 */
import {
  type Address,
  encodeAbiParameters,
  getAddress,
  type Hex,
  isAddress,
  keccak256,
  recoverMessageAddress,
} from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { z } from 'zod'
import { BaseError } from '../core/errors.js'

export type JoinRequest = {
  nodeId: Address
  raftAddress: string
  httpUrl: string
  blockNumber: bigint
  chainId: number
  registryCoordinator: Address
  signature: Hex
}

export type JoinRefusal =
  | 'malformed'
  | 'wrong_chain'
  | 'stale_block'
  | 'future_block'
  | 'bad_signature'
  | 'not_registered'
  | 'lookup_failed'

/** A join request was refused; `reason` names the rule. */
export class JoinRefusedError extends BaseError {
  override name = 'JoinRefusedError'
  constructor(
    readonly reason: JoinRefusal,
    message: string,
  ) {
    super(message)
  }
}

const domain = 'avskit:raft-join:v1'

export function joinRequestDigest(request: Omit<JoinRequest, 'signature'>): Hex {
  return keccak256(
    encodeAbiParameters(
      [
        { type: 'string' },
        { type: 'uint256' },
        { type: 'address' },
        { type: 'address' },
        { type: 'string' },
        { type: 'string' },
        { type: 'uint256' },
      ],
      [
        domain,
        BigInt(request.chainId),
        request.registryCoordinator,
        request.nodeId,
        request.raftAddress,
        request.httpUrl,
        request.blockNumber,
      ],
    ),
  )
}

/** Signs a join request over `blockNumber`, as the operator of `privateKey`. */
export async function signJoinRequest(parameters: {
  privateKey: Hex
  chainId: number
  registryCoordinator: Address
  raftAddress: string
  httpUrl: string
  blockNumber: bigint
}): Promise<JoinRequest> {
  const account = privateKeyToAccount(parameters.privateKey)
  const unsigned = {
    nodeId: account.address,
    raftAddress: parameters.raftAddress,
    httpUrl: parameters.httpUrl,
    blockNumber: parameters.blockNumber,
    chainId: parameters.chainId,
    registryCoordinator: getAddress(parameters.registryCoordinator),
  }
  const signature = await account.signMessage({ message: { raw: joinRequestDigest(unsigned) } })
  return { ...unsigned, signature }
}

const joinRequestSchema = z.object({
  nodeId: z.string().refine((v) => isAddress(v, { strict: false }), 'expected an address'),
  raftAddress: z.string().regex(/^(\[[^\]]+\]|[^:\s]+):\d{1,5}$/, 'expected host:port'),
  httpUrl: z.string().regex(/^https?:\/\/\S+$/, 'expected an http(s) URL'),
  blockNumber: z.bigint().nonnegative(),
  chainId: z.number().int().positive(),
  registryCoordinator: z.string().refine((v) => isAddress(v, { strict: false }), 'expected an address'),
  signature: z.string().regex(/^0x[0-9a-fA-F]{130}$/, 'expected a 65-byte signature'),
})

/** Checks the shape of a request that came over the network; throws `JoinRefusedError('malformed')`. */
export function parseJoinRequest(value: unknown): JoinRequest {
  const parsed = joinRequestSchema.safeParse(value)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new JoinRefusedError(
      'malformed',
      `malformed join request: ${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}`,
    )
  }
  return {
    ...parsed.data,
    nodeId: getAddress(parsed.data.nodeId),
    registryCoordinator: getAddress(parsed.data.registryCoordinator),
    signature: parsed.data.signature as Hex,
  }
}

/** Applies the acceptance rules in order, cheapest first; throws `JoinRefusedError` naming the one that failed. */
export async function verifyJoinRequest(
  request: JoinRequest,
  rules: {
    chainId: number
    registryCoordinator: Address
    head: bigint
    windowBlocks: number
    isRegistered: (address: Address) => Promise<boolean>
  },
): Promise<void> {
  if (
    request.chainId !== rules.chainId ||
    getAddress(request.registryCoordinator) !== getAddress(rules.registryCoordinator)
  ) {
    throw new JoinRefusedError(
      'wrong_chain',
      `join request for chain ${request.chainId} and RegistryCoordinator ${request.registryCoordinator}; this cluster serves chain ${rules.chainId} and RegistryCoordinator ${rules.registryCoordinator}`,
    )
  }
  if (request.blockNumber > rules.head) {
    throw new JoinRefusedError(
      'future_block',
      `join request signed over block ${request.blockNumber}, ahead of this member's head ${rules.head}`,
    )
  }
  if (rules.head - request.blockNumber > BigInt(rules.windowBlocks)) {
    throw new JoinRefusedError(
      'stale_block',
      `join request signed over block ${request.blockNumber}, ${rules.head - request.blockNumber} blocks behind the head ${rules.head}; at most ${rules.windowBlocks} are accepted (sign over a recent block)`,
    )
  }
  const { signature, ...unsigned } = request
  let signer: Address
  try {
    signer = await recoverMessageAddress({ message: { raw: joinRequestDigest(unsigned) }, signature })
  } catch {
    signer = '0x0000000000000000000000000000000000000000'
  }
  if (signer !== request.nodeId) {
    throw new JoinRefusedError('bad_signature', `join request signature is not ${request.nodeId}'s`)
  }
  let registered: boolean
  try {
    registered = await rules.isRegistered(request.nodeId)
  } catch (error) {
    throw new JoinRefusedError(
      'lookup_failed',
      `cannot tell whether ${request.nodeId} is a registered operator: ${error instanceof Error ? error.message : String(error)}`,
    )
  }
  if (!registered) {
    throw new JoinRefusedError(
      'not_registered',
      `operator ${request.nodeId} is not registered with RegistryCoordinator ${rules.registryCoordinator} on chain ${rules.chainId}: only registered operators may join the cluster`,
    )
  }
}
