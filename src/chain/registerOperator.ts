/**
 * Registers an operator with an EigenLayer M2 AVS (`RegistryCoordinator.registerOperator`), which needs two
 * proofs from the operator:
 *
 * 1. BLS key possession: σ = sk·H where H = `registryCoordinator.pubkeyRegistrationMessageHash(operator)` (the
 *    hash of an EIP-712 `BN254PubkeyRegistration` message mapped to G1), with pkG1 and pkG2.
 * 2. Consent to the AVS: an ECDSA signature (raw, no EIP-191 prefix) over
 *    `AVSDirectory.calculateOperatorAVSRegistrationDigestHash(operator, serviceManager, salt, expiry)`.
 *
 * Both hashes are read from the contracts themselves, so this works against any M2 deployment.
 */
import { type Address, bytesToHex, type Hex, type PrivateKeyAccount, type TransactionReceipt } from 'viem'
import { BaseError } from '../core/errors.js'
import { type BlsKeyPair, pubkeyRegistrationParams } from '../crypto/index.js'
import { avsDirectoryAbi, registryCoordinatorAbi, serviceManagerAbi } from './abi/index.js'
import type { ChainClient } from './clients.js'
import { toChainError } from './errors.js'
import { encodeQuorumNumbers } from './quorumNumbers.js'
import type { TransactionSender } from './transactionSender.js'

export type RegisterOperatorParameters = {
  client: ChainClient
  /** Sends from the operator's own account (`sender.account` must be `operator`). */
  sender: TransactionSender
  operator: PrivateKeyAccount
  blsKeyPair: BlsKeyPair
  registryCoordinator: Address
  quorumNumbers: readonly number[]
  /** Where the operator serves AVS traffic, e.g. `host:port`. */
  socket: string
  /** Seconds the ECDSA signature stays valid (default 1 hour). */
  signatureValiditySeconds?: number | undefined
}

export type RegisterOperatorReturnType = { operatorId: Hex; receipt: TransactionReceipt }

/**
 * @example
 * await registerOperator({ client, sender, operator: account, blsKeyPair, registryCoordinator, quorumNumbers: [0], socket: 'op1:9000' })
 */
export async function registerOperator(parameters: RegisterOperatorParameters): Promise<RegisterOperatorReturnType> {
  const { client, operator, registryCoordinator } = parameters
  if (parameters.sender.account.address !== operator.address) {
    throw new BaseError('registerOperator must be sent from the operator account itself.')
  }
  let params: ReturnType<typeof pubkeyRegistrationParams>
  let operatorSignature: { signature: Hex; salt: Hex; expiry: bigint }
  try {
    const [messageHash, serviceManager] = await Promise.all([
      client.readContract({
        address: registryCoordinator,
        abi: registryCoordinatorAbi,
        functionName: 'pubkeyRegistrationMessageHash',
        args: [operator.address],
      }),
      client.readContract({
        address: registryCoordinator,
        abi: registryCoordinatorAbi,
        functionName: 'serviceManager',
      }),
    ])
    params = pubkeyRegistrationParams(parameters.blsKeyPair.privateKey, { x: messageHash.X, y: messageHash.Y })
    const avsDirectory = await client.readContract({
      address: serviceManager,
      abi: serviceManagerAbi,
      functionName: 'avsDirectory',
    })
    const salt = bytesToHex(crypto.getRandomValues(new Uint8Array(32)))
    const block = await client.getBlock()
    const expiry = block.timestamp + BigInt(parameters.signatureValiditySeconds ?? 3600)
    const digest = await client.readContract({
      address: avsDirectory,
      abi: avsDirectoryAbi,
      functionName: 'calculateOperatorAVSRegistrationDigestHash',
      args: [operator.address, serviceManager, salt, expiry],
    })
    operatorSignature = { signature: await operator.sign({ hash: digest }), salt, expiry }
  } catch (error) {
    throw toChainError(error, { functionName: 'registerOperator (preparing signatures)' })
  }

  const receipt = await parameters.sender.send({
    address: registryCoordinator,
    abi: registryCoordinatorAbi,
    functionName: 'registerOperator',
    args: [
      encodeQuorumNumbers(parameters.quorumNumbers),
      parameters.socket,
      {
        pubkeyRegistrationSignature: {
          X: params.pubkeyRegistrationSignature.x,
          Y: params.pubkeyRegistrationSignature.y,
        },
        pubkeyG1: { X: params.pubkeyG1.x, Y: params.pubkeyG1.y },
        pubkeyG2: { X: params.pubkeyG2.x, Y: params.pubkeyG2.y },
      },
      operatorSignature,
    ],
  })
  return { operatorId: parameters.blsKeyPair.operatorId, receipt }
}
