import { type Hex, hashTypedData, keccak256, parseEther, parseEventLogs, toHex } from 'viem'
import { beforeAll, describe, expect, test } from 'vitest'
import {
  avsDirectoryAbi,
  blsApkRegistryAbi,
  delegationManagerAbi,
  indexRegistryAbi,
  registryCoordinatorAbi,
  serviceManagerAbi,
  stakeRegistryAbi,
} from '../../src/chain/artifacts/index.js'
import {
  aggregateG1,
  g1ToStruct,
  initBn254,
  pubkeyRegistrationMessageHash,
  pubkeyRegistrationParams,
} from '../../src/crypto/index.js'
import { useAnvil } from '../anvil.js'
import {
  type ContractsFixture,
  delegateStake,
  deployFixture,
  expectRevert,
  makeOperator,
  quorumBytes,
  registerOperator,
  registrationArgs,
  send,
  type TestOperator,
} from './contractsFixture.js'

const registrationEventsAbi = [...registryCoordinatorAbi, ...blsApkRegistryAbi, ...avsDirectoryAbi, ...stakeRegistryAbi]

describe('RegistryCoordinator registration', () => {
  const chain = useAnvil()
  let fixture: ContractsFixture
  let operators: TestOperator[]

  beforeAll(async () => {
    await initBn254()
    fixture = await deployFixture(chain.rpcUrl, [
      { maxOperatorCount: 3, minimumStake: parseEther('10') },
      { maxOperatorCount: 10, minimumStake: parseEther('1') },
    ])
    operators = [69n, 853n, 4242n, 777_777n, 31_337n].map((sk, index) => makeOperator(chain.rpcUrl, index, sk))
  })

  test('pubkeyRegistrationMessageHash matches the off-chain EIP-712 digest hashed to G1', async () => {
    const operator = operators[0]!.account.address
    const onChain = await fixture.publicClient.readContract({
      address: fixture.contracts.registryCoordinator,
      abi: registryCoordinatorAbi,
      functionName: 'pubkeyRegistrationMessageHash',
      args: [operator],
    })
    const offChain = pubkeyRegistrationMessageHash({
      chainId: fixture.publicClient.chain.id,
      registryCoordinator: fixture.contracts.registryCoordinator,
      operator,
    })
    expect(onChain).toEqual(g1ToStruct(offChain))
    const digest = await fixture.publicClient.readContract({
      address: fixture.contracts.registryCoordinator,
      abi: registryCoordinatorAbi,
      functionName: 'calculatePubkeyRegistrationMessageHash',
      args: [operator],
    })
    expect(digest).toBe(
      hashTypedData({
        domain: {
          name: 'AVSRegistryCoordinator',
          version: 'v0.0.1',
          chainId: fixture.publicClient.chain.id,
          verifyingContract: fixture.contracts.registryCoordinator,
        },
        types: { BN254PubkeyRegistration: [{ name: 'operator', type: 'address' }] },
        primaryType: 'BN254PubkeyRegistration',
        message: { operator },
      }),
    )
  })

  test('AVSDirectory digest is EIP-712 with a version-less "EigenLayer" domain and the ServiceManager as avs', async () => {
    const operator = operators[0]!.account.address
    const salt = keccak256(toHex('salt'))
    const expiry = 1_900_000_000n
    const onChain = await fixture.publicClient.readContract({
      address: fixture.contracts.avsDirectory,
      abi: avsDirectoryAbi,
      functionName: 'calculateOperatorAVSRegistrationDigestHash',
      args: [operator, fixture.contracts.serviceManager, salt, expiry],
    })
    const offChain = hashTypedData({
      domain: {
        name: 'EigenLayer',
        chainId: fixture.publicClient.chain.id,
        verifyingContract: fixture.contracts.avsDirectory,
      },
      types: {
        OperatorAVSRegistration: [
          { name: 'operator', type: 'address' },
          { name: 'avs', type: 'address' },
          { name: 'salt', type: 'bytes32' },
          { name: 'expiry', type: 'uint256' },
        ],
      },
      primaryType: 'OperatorAVSRegistration',
      message: { operator, avs: fixture.contracts.serviceManager, salt, expiry },
    })
    expect(onChain).toBe(offChain)
  })

  test('rejects an operator that is not registered in the DelegationManager', async () => {
    const operator = operators[4]!
    await expectRevert(
      fixture.publicClient.simulateContract({
        account: operator.account,
        address: fixture.contracts.registryCoordinator,
        abi: registryCoordinatorAbi,
        functionName: 'registerOperator',
        args: await registrationArgs(fixture, operator, [1]),
      }),
      'OperatorNotRegisteredToEigenLayer',
    )
  })

  test('registers an operator with a real BLS key proof and ECDSA signature', async () => {
    const operator = operators[0]!
    await delegateStake(fixture, operator.account.address, [parseEther('10'), parseEther('5')])
    const args = await registrationArgs(fixture, operator, [0], { socket: 'op0.example:9000' })
    const receipt = await send(fixture, operator.wallet, {
      address: fixture.contracts.registryCoordinator,
      abi: registryCoordinatorAbi,
      functionName: 'registerOperator',
      args,
    })
    const events = parseEventLogs({ abi: registrationEventsAbi, logs: receipt.logs })
    const names = events.map((event) => event.eventName)
    expect(names).toEqual(
      expect.arrayContaining([
        'NewPubkeyRegistration',
        'OperatorSocketUpdate',
        'OperatorAVSRegistrationStatusUpdated',
        'OperatorRegistered',
        'OperatorAddedToQuorums',
        'OperatorStakeUpdate',
      ]),
    )
    const registered = events.find((event) => event.eventName === 'OperatorRegistered')
    expect(registered?.args).toEqual({ operator: operator.account.address, operatorId: operator.bls.operatorId })
    const stakeUpdate = events.find((event) => event.eventName === 'OperatorStakeUpdate')
    expect(stakeUpdate?.args).toEqual({ operatorId: operator.bls.operatorId, quorumNumber: 0, stake: parseEther('15') })

    const read = fixture.publicClient
    const { registryCoordinator, blsApkRegistry, stakeRegistry, avsDirectory, serviceManager } = fixture.contracts
    expect(
      await read.readContract({
        address: registryCoordinator,
        abi: registryCoordinatorAbi,
        functionName: 'getOperator',
        args: [operator.account.address],
      }),
    ).toEqual({ operatorId: operator.bls.operatorId, status: 1 })
    expect(
      await read.readContract({
        address: registryCoordinator,
        abi: registryCoordinatorAbi,
        functionName: 'getOperatorFromId',
        args: [operator.bls.operatorId],
      }),
    ).toBe(operator.account.address)
    expect(
      await read.readContract({
        address: registryCoordinator,
        abi: registryCoordinatorAbi,
        functionName: 'getCurrentQuorumBitmap',
        args: [operator.bls.operatorId],
      }),
    ).toBe(1n)
    expect(
      await read.readContract({ address: blsApkRegistry, abi: blsApkRegistryAbi, functionName: 'getApk', args: [0] }),
    ).toEqual(g1ToStruct(operator.bls.g1))
    expect(
      await read.readContract({
        address: blsApkRegistry,
        abi: blsApkRegistryAbi,
        functionName: 'getRegisteredPubkey',
        args: [operator.account.address],
      }),
    ).toEqual([g1ToStruct(operator.bls.g1), operator.bls.operatorId])
    expect(
      await read.readContract({
        address: stakeRegistry,
        abi: stakeRegistryAbi,
        functionName: 'getCurrentStake',
        args: [operator.bls.operatorId, 0],
      }),
    ).toBe(parseEther('15'))
    expect(
      await read.readContract({
        address: avsDirectory,
        abi: avsDirectoryAbi,
        functionName: 'avsOperatorStatus',
        args: [serviceManager, operator.account.address],
      }),
    ).toBe(1)
    expect(
      await read.readContract({
        address: avsDirectory,
        abi: avsDirectoryAbi,
        functionName: 'operatorSaltIsSpent',
        args: [operator.account.address, args[3].salt],
      }),
    ).toBe(true)
  })

  test('registers one operator in both quorums and sums the quorum apks', async () => {
    const [first, second] = operators as [TestOperator, TestOperator]
    await delegateStake(fixture, second.account.address, [parseEther('20'), parseEther('0')])
    await registerOperator(fixture, second, [0, 1])
    const read = (functionName: 'getApk', quorum: number) =>
      fixture.publicClient.readContract({
        address: fixture.contracts.blsApkRegistry,
        abi: blsApkRegistryAbi,
        functionName,
        args: [quorum],
      })
    expect(await read('getApk', 0)).toEqual(g1ToStruct(aggregateG1([first.bls.g1, second.bls.g1])))
    expect(await read('getApk', 1)).toEqual(g1ToStruct(second.bls.g1))
    expect(
      await fixture.publicClient.readContract({
        address: fixture.contracts.registryCoordinator,
        abi: registryCoordinatorAbi,
        functionName: 'getCurrentQuorumBitmap',
        args: [second.bls.operatorId],
      }),
    ).toBe(3n)
    for (const [quorum, count] of [
      [0, 2],
      [1, 1],
    ] as const) {
      expect(
        await fixture.publicClient.readContract({
          address: fixture.contracts.indexRegistry,
          abi: indexRegistryAbi,
          functionName: 'totalOperatorsForQuorum',
          args: [quorum],
        }),
      ).toBe(count)
    }
  })

  test('adds a registered operator to another quorum without a second AVSDirectory registration', async () => {
    const operator = operators[0]!
    const receipt = await registerOperator(fixture, operator, [1])
    const names = parseEventLogs({ abi: registrationEventsAbi, logs: receipt.logs }).map((event) => event.eventName)
    expect(names).not.toContain('OperatorRegistered')
    expect(names).not.toContain('OperatorAVSRegistrationStatusUpdated')
    expect(names).not.toContain('NewPubkeyRegistration')
    expect(
      await fixture.publicClient.readContract({
        address: fixture.contracts.registryCoordinator,
        abi: registryCoordinatorAbi,
        functionName: 'getQuorumBitmapHistoryLength',
        args: [operator.bls.operatorId],
      }),
    ).toBe(2n)
  })

  test('rejects a BLS key proof made for another operator address', async () => {
    const operator = operators[2]!
    await delegateStake(fixture, operator.account.address, [parseEther('30'), parseEther('30')])
    const args = await registrationArgs(fixture, operator, [1])
    const otherHash = pubkeyRegistrationMessageHash({
      chainId: fixture.publicClient.chain.id,
      registryCoordinator: fixture.contracts.registryCoordinator,
      operator: operators[3]!.account.address,
    })
    const wrong = pubkeyRegistrationParams(operator.bls.privateKey, otherHash)
    await expectRevert(
      fixture.publicClient.simulateContract({
        account: operator.account,
        address: fixture.contracts.registryCoordinator,
        abi: registryCoordinatorAbi,
        functionName: 'registerOperator',
        args: [
          args[0],
          args[1],
          { ...args[2], pubkeyRegistrationSignature: g1ToStruct(wrong.pubkeyRegistrationSignature) },
          args[3],
        ],
      }),
      'InvalidPubkeyRegistrationSignature',
    )
  })

  test('rejects an ECDSA signature by another key, an expired signature and a spent salt', async () => {
    const operator = operators[2]!
    const simulate = (args: Awaited<ReturnType<typeof registrationArgs>>) =>
      fixture.publicClient.simulateContract({
        account: operator.account,
        address: fixture.contracts.registryCoordinator,
        abi: registryCoordinatorAbi,
        functionName: 'registerOperator',
        args,
      })
    const good = await registrationArgs(fixture, operator, [1])
    const forged = await registrationArgs(fixture, { ...operator, account: operators[3]!.account }, [1])
    await expectRevert(simulate([good[0], good[1], good[2], forged[3]]), 'InvalidSignature')
    await expectRevert(simulate(await registrationArgs(fixture, operator, [1], { expiry: 1n })), 'SignatureExpired')
    const spentSalt = (await registrationArgs(fixture, operators[0]!, [1])).at(3) as { salt: Hex }
    await send(fixture, operator.wallet, {
      address: fixture.contracts.avsDirectory,
      abi: avsDirectoryAbi,
      functionName: 'cancelSalt',
      args: [spentSalt.salt],
    })
    await expectRevert(
      simulate(await registrationArgs(fixture, operator, [1], { salt: spentSalt.salt })),
      'SaltAlreadySpent',
    )
  })

  test('rejects unsorted, duplicate and unknown quorum numbers', async () => {
    const operator = operators[2]!
    const args = await registrationArgs(fixture, operator, [1])
    const simulate = (quorums: Hex) =>
      fixture.publicClient.simulateContract({
        account: operator.account,
        address: fixture.contracts.registryCoordinator,
        abi: registryCoordinatorAbi,
        functionName: 'registerOperator',
        args: [quorums, args[1], args[2], args[3]],
      })
    await expectRevert(simulate(quorumBytes([1, 0])), 'QuorumNumbersNotAscending')
    await expectRevert(simulate(quorumBytes([1, 1])), 'QuorumNumbersNotAscending')
    await expectRevert(simulate(quorumBytes([2])), 'QuorumDoesNotExist')
    await expectRevert(simulate('0x'), 'EmptyQuorumNumbers')
  })

  test('rejects an operator below the minimum stake of a quorum', async () => {
    const operator = operators[3]!
    await delegateStake(fixture, operator.account.address, [parseEther('4'), parseEther('4')])
    const [, stake, minimum] = await expectRevert(
      fixture.publicClient.simulateContract({
        account: operator.account,
        address: fixture.contracts.registryCoordinator,
        abi: registryCoordinatorAbi,
        functionName: 'registerOperator',
        args: await registrationArgs(fixture, operator, [0]),
      }),
      'BelowMinimumStake',
    )
    expect([stake, minimum]).toEqual([parseEther('8'), parseEther('10')])
  })

  test('rejects a registration when the quorum is at maxOperatorCount', async () => {
    await registerOperator(fixture, operators[2]!, [0])
    const operator = operators[3]!
    await delegateStake(fixture, operator.account.address, [parseEther('50'), parseEther('0')])
    await expectRevert(
      fixture.publicClient.simulateContract({
        account: operator.account,
        address: fixture.contracts.registryCoordinator,
        abi: registryCoordinatorAbi,
        functionName: 'registerOperator',
        args: await registrationArgs(fixture, operator, [0]),
      }),
      'MaxOperatorCountReached',
    )
  })

  test('deregisters from one quorum, then from all, updating apk, status and AVSDirectory', async () => {
    const [first, second, third] = operators as [TestOperator, TestOperator, TestOperator]
    await send(fixture, second.wallet, {
      address: fixture.contracts.registryCoordinator,
      abi: registryCoordinatorAbi,
      functionName: 'deregisterOperator',
      args: [quorumBytes([0])],
    })
    expect(
      await fixture.publicClient.readContract({
        address: fixture.contracts.blsApkRegistry,
        abi: blsApkRegistryAbi,
        functionName: 'getApk',
        args: [0],
      }),
    ).toEqual(g1ToStruct(aggregateG1([first.bls.g1, third.bls.g1])))

    const receipt = await send(fixture, second.wallet, {
      address: fixture.contracts.registryCoordinator,
      abi: registryCoordinatorAbi,
      functionName: 'deregisterOperator',
      args: [quorumBytes([1])],
    })
    const names = parseEventLogs({ abi: registrationEventsAbi, logs: receipt.logs }).map((event) => event.eventName)
    expect(names).toEqual(
      expect.arrayContaining([
        'OperatorDeregistered',
        'OperatorAVSRegistrationStatusUpdated',
        'OperatorRemovedFromQuorums',
      ]),
    )
    expect(
      await fixture.publicClient.readContract({
        address: fixture.contracts.registryCoordinator,
        abi: registryCoordinatorAbi,
        functionName: 'getOperatorStatus',
        args: [second.account.address],
      }),
    ).toBe(2)
    expect(
      await fixture.publicClient.readContract({
        address: fixture.contracts.avsDirectory,
        abi: avsDirectoryAbi,
        functionName: 'avsOperatorStatus',
        args: [fixture.contracts.serviceManager, second.account.address],
      }),
    ).toBe(0)
    await expectRevert(
      fixture.publicClient.simulateContract({
        account: second.account,
        address: fixture.contracts.registryCoordinator,
        abi: registryCoordinatorAbi,
        functionName: 'deregisterOperator',
        args: [quorumBytes([1])],
      }),
      'OperatorNotRegistered',
    )
  })

  test('re-registers a deregistered operator under the same operator id', async () => {
    const operator = operators[1]!
    await registerOperator(fixture, operator, [1])
    expect(
      await fixture.publicClient.readContract({
        address: fixture.contracts.registryCoordinator,
        abi: registryCoordinatorAbi,
        functionName: 'getOperator',
        args: [operator.account.address],
      }),
    ).toEqual({ operatorId: operator.bls.operatorId, status: 1 })
  })

  test('only the registry coordinator may forward registrations to the AVSDirectory', async () => {
    await expectRevert(
      fixture.publicClient.simulateContract({
        account: fixture.owner.account,
        address: fixture.contracts.serviceManager,
        abi: serviceManagerAbi,
        functionName: 'deregisterOperatorFromAVS',
        args: [operators[0]!.account.address],
      }),
      'CallerNotRegistryCoordinator',
    )
  })

  test('DelegationManager emits share changes as M2 increase/decrease events with the delta', async () => {
    const operator = operators[4]!.account.address
    const strategy = fixture.contracts.strategies[0]!
    const setShares = (shares: bigint) =>
      send(fixture, fixture.owner, {
        address: fixture.contracts.delegationManager,
        abi: delegationManagerAbi,
        functionName: 'setOperatorShares',
        args: [operator, strategy, shares],
      })
    const up = parseEventLogs({ abi: delegationManagerAbi, logs: (await setShares(parseEther('7'))).logs })
    expect(up.map((event) => [event.eventName, event.args])).toEqual([
      [
        'OperatorSharesIncreased',
        { operator, staker: fixture.owner.account.address, strategy, shares: parseEther('7') },
      ],
    ])
    const down = parseEventLogs({ abi: delegationManagerAbi, logs: (await setShares(parseEther('2'))).logs })
    expect(down.map((event) => [event.eventName, event.args])).toEqual([
      [
        'OperatorSharesDecreased',
        { operator, staker: fixture.owner.account.address, strategy, shares: parseEther('5') },
      ],
    ])
    expect(
      await fixture.publicClient.readContract({
        address: fixture.contracts.delegationManager,
        abi: delegationManagerAbi,
        functionName: 'getOperatorShares',
        args: [operator, fixture.contracts.strategies],
      }),
    ).toEqual([parseEther('2'), 0n])
  })
})
