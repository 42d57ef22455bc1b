/**
 * An AVS on anvil for aggregation tests: the devnet contracts, quorums, and operators registered exactly as real
 * ones are (BLS key proof, AVSDirectory signature), each with its own stake; and tasks created on the TaskManager.
 */
import { encodeAbiParameters, type Hex, keccak256, parseEther, parseEventLogs, toHex } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { createChainReader } from '../../src/aggregation/index.js'
import { taskManagerAbi } from '../../src/chain/artifacts/index.js'
import { createChainClient } from '../../src/chain/clients.js'
import { encodeQuorumNumbers } from '../../src/chain/quorumNumbers.js'
import { type BlsKeyPair, blsKeyPairFromPrivateKey, generateBlsPrivateKey, initBn254 } from '../../src/crypto/index.js'
import {
  type ContractsFixture,
  delegateStake,
  deployFixture,
  registerOperator,
  send,
  type TestOperator,
  walletFor,
} from '../contracts/contractsFixture.js'

export type NetworkOperator = TestOperator & { bls: BlsKeyPair; quorums: number[] }

export type OperatorSpec = { quorums: number[]; shares: bigint }

export type Network = ContractsFixture & {
  operators: NetworkOperator[]
  reader: ReturnType<typeof createChainReader>
  /** Adds and registers one more operator. */
  addOperator(spec: OperatorSpec): Promise<NetworkOperator>
  createTask(quorumNumbers: readonly number[], threshold: number, payload?: string): Promise<OnChainTask>
}

export type OnChainTask = {
  taskIndex: number
  task: { payload: Hex; taskCreatedBlock: number; quorumNumbers: Hex; quorumThresholdPercentage: number }
  response: { referenceTaskIndex: number; result: Hex }
  digest: Hex
}

const taskResponseType = [
  {
    type: 'tuple',
    components: [
      { type: 'uint32', name: 'referenceTaskIndex' },
      { type: 'bytes32', name: 'result' },
    ],
  },
] as const

/** The digest operators sign: keccak256(abi.encode(TaskResponse)), as the TaskManager recomputes it. */
export function responseDigest(response: OnChainTask['response']): Hex {
  return keccak256(encodeAbiParameters(taskResponseType, [response]))
}

export async function createNetwork(
  rpcUrl: string,
  quorumCount: number,
  specs: readonly OperatorSpec[],
): Promise<Network> {
  await initBn254()
  const fixture = await deployFixture(
    rpcUrl,
    Array.from({ length: quorumCount }, () => ({})),
  )
  const client = await createChainClient({ url: rpcUrl })
  const operators: NetworkOperator[] = []

  async function addOperator(spec: OperatorSpec): Promise<NetworkOperator> {
    const account = privateKeyToAccount(generatePrivateKey())
    await fixture.testClient.setBalance({ address: account.address, value: parseEther('10') })
    const operator = {
      account,
      wallet: walletFor(rpcUrl, account),
      bls: blsKeyPairFromPrivateKey(generateBlsPrivateKey()),
      quorums: spec.quorums,
    }
    await delegateStake(fixture, account.address, [spec.shares])
    await registerOperator(fixture, operator, spec.quorums)
    operators.push(operator)
    return operator
  }

  for (const spec of specs) await addOperator(spec)

  return {
    ...fixture,
    operators,
    reader: createChainReader({
      client,
      registryCoordinator: fixture.contracts.registryCoordinator,
      operatorStateRetriever: fixture.contracts.operatorStateRetriever,
    }),
    addOperator,
    async createTask(quorumNumbers, threshold, payload = 'avskit task') {
      const receipt = await send(fixture, fixture.owner, {
        address: fixture.contracts.taskManager,
        abi: taskManagerAbi,
        functionName: 'createNewTask',
        args: [toHex(payload), threshold, encodeQuorumNumbers(quorumNumbers)],
      })
      const [event] = parseEventLogs({ abi: taskManagerAbi, logs: receipt.logs, eventName: 'NewTaskCreated' })
      if (!event) throw new Error('no NewTaskCreated event')
      const task = event.args.task
      const response = { referenceTaskIndex: event.args.taskIndex, result: keccak256(task.payload) }
      // checkSignatures needs the reference block strictly in the past.
      await fixture.testClient.mine({ blocks: 1 })
      return { taskIndex: event.args.taskIndex, task, response, digest: responseDigest(response) }
    },
  }
}
