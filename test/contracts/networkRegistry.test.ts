import { type Hex, parseEventLogs, toEventSelector, toHex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { beforeAll, describe, expect, test } from 'vitest'
import { networkRegistryAbi } from '../../src/chain/artifacts/index.js'
import { anvilAccounts, useAnvil } from '../anvil.js'
import { type ContractsFixture, deployFixture, expectRevert, send, type Wallet, walletFor } from './contractsFixture.js'

const validatorKey = (seed: number): Hex => toHex(new Uint8Array(48).fill(seed))

describe('NetworkRegistry', () => {
  const chain = useAnvil()
  let fixture: ContractsFixture
  let alice: Wallet
  let bob: Wallet

  const write = async (wallet: Wallet, functionName: string, args: readonly unknown[]) => {
    const receipt = await send(fixture, wallet, {
      address: fixture.contracts.networkRegistry,
      abi: networkRegistryAbi,
      functionName,
      args,
    })
    return parseEventLogs({ abi: networkRegistryAbi, logs: receipt.logs })
  }
  const simulate = (wallet: Wallet, functionName: string, args: readonly unknown[]) =>
    fixture.publicClient.simulateContract({
      account: wallet.account,
      address: fixture.contracts.networkRegistry,
      abi: networkRegistryAbi,
      functionName,
      args,
    } as never)

  beforeAll(async () => {
    fixture = await deployFixture(chain.rpcUrl)
    alice = walletFor(chain.rpcUrl, privateKeyToAccount(anvilAccounts[1]))
    bob = walletFor(chain.rpcUrl, privateKeyToAccount(anvilAccounts[2]))
  })

  test('emits the SSV event signatures', () => {
    const selectors = networkRegistryAbi.filter((item) => item.type === 'event').map((item) => toEventSelector(item))
    expect(selectors.sort()).toEqual(
      [
        'OperatorAdded(uint64,address,bytes,uint256)',
        'OperatorRemoved(uint64)',
        'ValidatorAdded(address,uint64[],bytes,bytes)',
        'ValidatorRemoved(address,uint64[],bytes)',
      ]
        .map((signature) => toEventSelector(signature))
        .sort(),
    )
  })

  test('registers operators with increasing ids and emits OperatorAdded', async () => {
    const first = await write(alice, 'registerOperator', [toHex('operator key 1'), 10n])
    expect(first.map((event) => [event.eventName, event.args])).toEqual([
      ['OperatorAdded', { operatorId: 1n, owner: alice.account.address, publicKey: toHex('operator key 1'), fee: 10n }],
    ])
    await write(alice, 'registerOperator', [toHex('operator key 2'), 0n])
    const third = await write(bob, 'registerOperator', [toHex('operator key 3'), 5n])
    expect(third[0]?.args).toMatchObject({ operatorId: 3n, owner: bob.account.address })
    await expectRevert(simulate(bob, 'registerOperator', [toHex('operator key 1'), 1n]), 'OperatorAlreadyExists')
  })

  test('registers a validator over sorted existing operators and emits ValidatorAdded', async () => {
    const events = await write(bob, 'registerValidator', [validatorKey(1), [1n, 2n, 3n], toHex('shares')])
    expect(events.map((event) => [event.eventName, event.args])).toEqual([
      [
        'ValidatorAdded',
        { owner: bob.account.address, operatorIds: [1n, 2n, 3n], publicKey: validatorKey(1), shares: toHex('shares') },
      ],
    ])
    await expectRevert(simulate(bob, 'registerValidator', [validatorKey(1), [1n, 2n], '0x']), 'ValidatorAlreadyExists')
    await expectRevert(simulate(bob, 'registerValidator', [validatorKey(2), [2n, 1n], '0x']), 'UnsortedOperatorsList')
    await expectRevert(simulate(bob, 'registerValidator', [validatorKey(2), [1n, 9n], '0x']), 'OperatorDoesNotExist')
    await expectRevert(simulate(bob, 'registerValidator', [validatorKey(2), [], '0x']), 'InvalidOperatorIdsLength')
    await expectRevert(simulate(bob, 'registerValidator', ['0x1234', [1n], '0x']), 'InvalidPublicKeyLength')
  })

  test('bulk-registers validators over the same operators, one ValidatorAdded each', async () => {
    const keys = [validatorKey(21), validatorKey(22), validatorKey(23)]
    const shares = [toHex('s21'), toHex('s22'), toHex('s23')]
    const events = await write(alice, 'bulkRegisterValidator', [keys, [1n, 3n], shares])
    expect(events.map((event) => [event.eventName, event.args])).toEqual(
      keys.map((publicKey, i) => [
        'ValidatorAdded',
        { owner: alice.account.address, operatorIds: [1n, 3n], publicKey, shares: shares[i] },
      ]),
    )
    await expectRevert(
      simulate(alice, 'bulkRegisterValidator', [[validatorKey(24)], [1n], []]),
      'PublicKeysSharesLengthMismatch',
    )
    await expectRevert(
      simulate(alice, 'bulkRegisterValidator', [[validatorKey(24), validatorKey(21)], [1n], ['0x', '0x']]),
      'ValidatorAlreadyExists',
    )
    await expectRevert(
      simulate(alice, 'bulkRegisterValidator', [[validatorKey(24)], [3n, 1n], ['0x']]),
      'UnsortedOperatorsList',
    )
  })

  test('removes a validator only for its owner and its operator ids, emitting ValidatorRemoved', async () => {
    await expectRevert(simulate(alice, 'removeValidator', [validatorKey(1), [1n, 2n, 3n]]), 'CallerNotValidatorOwner')
    await expectRevert(simulate(bob, 'removeValidator', [validatorKey(1), [1n, 2n]]), 'OperatorIdsMismatch')
    const events = await write(bob, 'removeValidator', [validatorKey(1), [1n, 2n, 3n]])
    expect(events.map((event) => [event.eventName, event.args])).toEqual([
      ['ValidatorRemoved', { owner: bob.account.address, operatorIds: [1n, 2n, 3n], publicKey: validatorKey(1) }],
    ])
    await expectRevert(simulate(bob, 'removeValidator', [validatorKey(1), [1n, 2n, 3n]]), 'ValidatorDoesNotExist')
  })

  test('removes an operator only for its owner, emitting OperatorRemoved', async () => {
    await expectRevert(simulate(bob, 'removeOperator', [1n]), 'CallerNotOperatorOwner')
    const events = await write(alice, 'removeOperator', [1n])
    expect(events.map((event) => [event.eventName, event.args])).toEqual([['OperatorRemoved', { operatorId: 1n }]])
    await expectRevert(simulate(alice, 'removeOperator', [1n]), 'OperatorDoesNotExist')
    await expectRevert(simulate(bob, 'registerValidator', [validatorKey(3), [1n, 2n], '0x']), 'OperatorDoesNotExist')
  })
})
