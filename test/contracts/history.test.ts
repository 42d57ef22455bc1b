import { type Address, encodePacked, keccak256, parseEther, parseEventLogs } from 'viem'
import { beforeAll, describe, expect, test } from 'vitest'
import {
  blsApkRegistryAbi,
  delegationManagerAbi,
  operatorStateRetrieverAbi,
  registryCoordinatorAbi,
  stakeRegistryAbi,
} from '../../src/chain/artifacts/index.js'
import { aggregateG1, initBn254 } from '../../src/crypto/index.js'
import { useAnvil } from '../anvil.js'
import {
  type ContractsFixture,
  delegateStake,
  deployFixture,
  expectRevert,
  getOperatorState,
  getOperatorStateOverload,
  makeOperator,
  quorumBytes,
  registerOperator,
  send,
  type TestOperator,
} from './contractsFixture.js'

/**
 * Timeline (one block per transaction): A joins quorum 0, B joins quorums 0 and 1 → `before`; then A's stake rises,
 * C joins quorum 0, B leaves both quorums → `after`. Every history must answer for `before` as it was then.
 */
describe('operator set history', () => {
  const chain = useAnvil()
  let fixture: ContractsFixture
  let a: TestOperator
  let b: TestOperator
  let c: TestOperator
  let before: number
  let after: number

  const read = <T>(request: Record<string, unknown>) =>
    fixture.publicClient.readContract(request as never) as Promise<T>
  const stakeRegistry = (functionName: string, args: readonly unknown[]) =>
    read<unknown>({ address: fixture.contracts.stakeRegistry, abi: stakeRegistryAbi, functionName, args })
  const coordinator = (functionName: string, args: readonly unknown[]) =>
    read<unknown>({ address: fixture.contracts.registryCoordinator, abi: registryCoordinatorAbi, functionName, args })
  const setShares = (operator: Address, shares: bigint) =>
    send(fixture, fixture.owner, {
      address: fixture.contracts.delegationManager,
      abi: delegationManagerAbi,
      functionName: 'setOperatorShares',
      args: [operator, fixture.contracts.strategies[0]!, shares],
    })

  beforeAll(async () => {
    await initBn254()
    fixture = await deployFixture(chain.rpcUrl, [
      { maxOperatorCount: 10, minimumStake: parseEther('1') },
      { maxOperatorCount: 10, minimumStake: parseEther('1') },
    ])
    ;[a, b, c] = [11n, 22n, 33n].map((sk, index) => makeOperator(chain.rpcUrl, index, sk)) as [
      TestOperator,
      TestOperator,
      TestOperator,
    ]
    await delegateStake(fixture, a.account.address, [parseEther('10')])
    await delegateStake(fixture, b.account.address, [parseEther('20')])
    await delegateStake(fixture, c.account.address, [parseEther('30')])
    await registerOperator(fixture, a, [0])
    await registerOperator(fixture, b, [0, 1])
    before = Number(await fixture.publicClient.getBlockNumber())

    await setShares(a.account.address, parseEther('15'))
    await send(fixture, fixture.owner, {
      address: fixture.contracts.registryCoordinator,
      abi: registryCoordinatorAbi,
      functionName: 'updateOperators',
      args: [[a.account.address]],
    })
    await registerOperator(fixture, c, [0])
    await send(fixture, b.wallet, {
      address: fixture.contracts.registryCoordinator,
      abi: registryCoordinatorAbi,
      functionName: 'deregisterOperator',
      args: [quorumBytes([0, 1])],
    })
    after = Number(await fixture.publicClient.getBlockNumber())
  })

  test('getOperatorState at an older block sees the old operator set and stakes', async () => {
    const entry = (operator: TestOperator, stake: bigint) => ({
      operator: operator.account.address,
      operatorId: operator.bls.operatorId,
      stake,
    })
    expect(await getOperatorState(fixture, [0, 1], before)).toEqual([
      [entry(a, parseEther('10')), entry(b, parseEther('20'))],
      [entry(b, parseEther('20'))],
    ])
    // B left index 1 of quorum 0; C, the last index, took its place.
    expect(await getOperatorState(fixture, [0, 1], after)).toEqual([
      [entry(a, parseEther('15')), entry(c, parseEther('30'))],
      [],
    ])
  })

  test('getOperatorState by operator id returns its quorum bitmap and quorums at that block', async () => {
    const [bitmap, operators] = await read<[bigint, readonly unknown[][]]>({
      address: fixture.contracts.operatorStateRetriever,
      abi: getOperatorStateOverload('bytes32'),
      functionName: 'getOperatorState',
      args: [fixture.contracts.registryCoordinator, b.bls.operatorId, before],
    })
    expect(bitmap).toBe(3n)
    expect(operators.map((quorum) => quorum.length)).toEqual([2, 1])
  })

  test('stake histories answer by block and by validated index', async () => {
    expect(await stakeRegistry('getStakeAtBlockNumber', [a.bls.operatorId, 0, before])).toBe(parseEther('10'))
    expect(await stakeRegistry('getStakeAtBlockNumber', [a.bls.operatorId, 0, after])).toBe(parseEther('15'))
    expect(await stakeRegistry('getCurrentStake', [b.bls.operatorId, 1])).toBe(0n)

    const oldIndex = await stakeRegistry('getStakeUpdateIndexAtBlockNumber', [a.bls.operatorId, 0, before])
    expect(oldIndex).toBe(0)
    expect(await stakeRegistry('getStakeAtBlockNumberAndIndex', [0, before, a.bls.operatorId, 0n])).toBe(
      parseEther('10'),
    )
    await expectRevert(
      stakeRegistry('getStakeAtBlockNumberAndIndex', [0, after, a.bls.operatorId, 0n]),
      'StakeUpdateSuperseded',
    )
    await expectRevert(
      stakeRegistry('getStakeAtBlockNumberAndIndex', [0, before, a.bls.operatorId, 1n]),
      'StakeUpdateAfterBlock',
    )

    const history = (await stakeRegistry('getStakeHistory', [a.bls.operatorId, 0])) as {
      updateBlockNumber: number
      nextUpdateBlockNumber: number
      stake: bigint
    }[]
    expect(history.map((update) => update.stake)).toEqual([parseEther('10'), parseEther('15')])
    expect(history[0]!.nextUpdateBlockNumber).toBe(history[1]!.updateBlockNumber)
    expect(history[1]!.nextUpdateBlockNumber).toBe(0)

    const [totalIndex] = (await stakeRegistry('getTotalStakeIndicesAtBlockNumber', [
      before,
      quorumBytes([0]),
    ])) as number[]
    expect(await stakeRegistry('getTotalStakeAtBlockNumberFromIndex', [0, before, BigInt(totalIndex!)])).toBe(
      parseEther('30'),
    )
    expect(await stakeRegistry('getCurrentTotalStake', [0])).toBe(parseEther('45'))
    expect(await stakeRegistry('getCurrentTotalStake', [1])).toBe(0n)
  })

  test('quorum bitmap history answers by block and by validated index', async () => {
    const [index] = (await coordinator('getQuorumBitmapIndicesAtBlockNumber', [before, [b.bls.operatorId]])) as number[]
    expect(await coordinator('getQuorumBitmapAtBlockNumberByIndex', [b.bls.operatorId, before, BigInt(index!)])).toBe(
      3n,
    )
    await expectRevert(
      coordinator('getQuorumBitmapAtBlockNumberByIndex', [b.bls.operatorId, after, BigInt(index!)]),
      'BitmapUpdateSuperseded',
    )
    expect(await coordinator('getCurrentQuorumBitmap', [b.bls.operatorId])).toBe(0n)
    expect(await coordinator('getOperatorStatus', [b.account.address])).toBe(2)
  })

  test('apk history answers by block and by validated index', async () => {
    const apkRegistry = (functionName: string, args: readonly unknown[]) =>
      read<unknown>({ address: fixture.contracts.blsApkRegistry, abi: blsApkRegistryAbi, functionName, args })
    const [index] = (await apkRegistry('getApkIndicesAtBlockNumber', [quorumBytes([0]), BigInt(before)])) as number[]
    const apk = aggregateG1([a.bls.g1, b.bls.g1])
    const expected = keccak256(encodePacked(['uint256', 'uint256'], [apk.x, apk.y])).slice(0, 50)
    expect(await apkRegistry('getApkHashAtBlockNumberAndIndex', [0, before, BigInt(index!)])).toBe(expected)
    await expectRevert(
      apkRegistry('getApkHashAtBlockNumberAndIndex', [0, after, BigInt(index!)]),
      'ApkUpdateSuperseded',
    )
  })

  test('getCheckSignaturesIndices at an older block indexes the histories as they were then', async () => {
    const indices = await read<{
      nonSignerQuorumBitmapIndices: readonly number[]
      quorumApkIndices: readonly number[]
      totalStakeIndices: readonly number[]
      nonSignerStakeIndices: readonly (readonly number[])[]
    }>({
      address: fixture.contracts.operatorStateRetriever,
      abi: operatorStateRetrieverAbi,
      functionName: 'getCheckSignaturesIndices',
      args: [fixture.contracts.registryCoordinator, before, quorumBytes([0, 1]), [b.bls.operatorId]],
    })
    expect(indices.nonSignerQuorumBitmapIndices).toEqual([0])
    // B is in both quorums at `before`, with one stake entry each.
    expect(indices.nonSignerStakeIndices).toEqual([[0], [0]])
    expect(indices.quorumApkIndices).toHaveLength(2)
    expect(indices.totalStakeIndices).toHaveLength(2)
    // B is not registered any more: it cannot be a non-signer now.
    await expectRevert(
      read({
        address: fixture.contracts.operatorStateRetriever,
        abi: operatorStateRetrieverAbi,
        functionName: 'getCheckSignaturesIndices',
        args: [fixture.contracts.registryCoordinator, after, quorumBytes([0]), [b.bls.operatorId]],
      }),
      'OperatorNotRegisteredAtBlock',
    )
  })

  describe('updateOperatorsForQuorum', () => {
    const simulate = (operatorsPerQuorum: readonly (readonly Address[])[], quorums: readonly number[]) =>
      fixture.publicClient.simulateContract({
        account: fixture.owner.account,
        address: fixture.contracts.registryCoordinator,
        abi: registryCoordinatorAbi,
        functionName: 'updateOperatorsForQuorum',
        args: [operatorsPerQuorum, quorumBytes(quorums)],
      })
    const sorted = () => [a.account.address, c.account.address].sort((x, y) => (BigInt(x) < BigInt(y) ? -1 : 1))

    test('rejects a list that is not sorted ascending by address', async () => {
      await expectRevert(simulate([[...sorted()].reverse()], [0]), 'OperatorsNotSortedAscending')
      await expectRevert(simulate([[sorted()[0]!, sorted()[0]!]], [0]), 'OperatorsNotSortedAscending')
    })

    test('rejects a list that is not the complete operator set', async () => {
      const args = await expectRevert(simulate([[a.account.address]], [0]), 'OperatorCountMismatch')
      expect(args).toEqual([0, 1n, 2])
      await expectRevert(simulate([[b.account.address, c.account.address].sort()], [0]), 'OperatorNotInQuorum')
      await expectRevert(simulate([sorted(), []], [0]), 'InputLengthMismatch')
    })

    test('accepts the full sorted set, refreshes stakes and records the block', async () => {
      await setShares(c.account.address, parseEther('40'))
      const receipt = await send(fixture, fixture.owner, {
        address: fixture.contracts.registryCoordinator,
        abi: registryCoordinatorAbi,
        functionName: 'updateOperatorsForQuorum',
        args: [[sorted(), []], quorumBytes([0, 1])],
      })
      const events = parseEventLogs({ abi: [...registryCoordinatorAbi, ...stakeRegistryAbi], logs: receipt.logs })
      expect(
        events.filter((event) => event.eventName === 'QuorumBlockNumberUpdated').map((event) => event.args),
      ).toEqual([
        { quorumNumber: 0, blocknumber: receipt.blockNumber },
        { quorumNumber: 1, blocknumber: receipt.blockNumber },
      ])
      expect(await coordinator('quorumUpdateBlockNumber', [0])).toBe(receipt.blockNumber)
      expect(await stakeRegistry('getCurrentStake', [c.bls.operatorId, 0])).toBe(parseEther('40'))
      expect(await stakeRegistry('getStakeAtBlockNumber', [c.bls.operatorId, 0, after])).toBe(parseEther('30'))
    })

    test('deregisters an operator that fell below the minimum stake', async () => {
      await setShares(a.account.address, parseEther('0.5'))
      await send(fixture, fixture.owner, {
        address: fixture.contracts.registryCoordinator,
        abi: registryCoordinatorAbi,
        functionName: 'updateOperatorsForQuorum',
        args: [[sorted()], quorumBytes([0])],
      })
      expect(await coordinator('getOperatorStatus', [a.account.address])).toBe(2)
      const now = Number(await fixture.publicClient.getBlockNumber())
      expect(await getOperatorState(fixture, [0], now)).toEqual([
        [{ operator: c.account.address, operatorId: c.bls.operatorId, stake: parseEther('40') }],
      ])
    })
  })
})
