/**
 * An operator joins an AVS as a user would: `avskit keys create` makes its keystores, `avskit register` registers
 * it with the devnet RegistryCoordinator, and `avskit operators` lists it with its stake.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Address, createTestClient, http, parseEther } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { delegationManagerAbi } from '../../src/chain/artifacts/index.js'
import { createTransactionSender } from '../../src/chain/transactionSender.js'
import { createLogger } from '../../src/core/logger.js'
import { type Devnet, devnetOwnerKey, startDevnet } from '../../src/devnet/startDevnet.js'
import { runCli } from '../cli.js'

const logger = createLogger({ level: 'silent' })

describe('avskit register', () => {
  let dir: string
  let devnet: Devnet

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'avskit-register-'))
    devnet = await startDevnet({
      dataDir: join(dir, 'devnet'),
      operators: 1,
      quorums: 2,
      port: 0,
      blockTime: 0,
      logger,
      pool: false,
    })
  })

  afterAll(async () => {
    await devnet?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  test('registers a new operator from keystores and lists it with its stake', async () => {
    const passwordFile = join(dir, 'password.txt')
    writeFileSync(passwordFile, 'operator password\n')
    const ecdsaPath = join(dir, 'op.ecdsa.key.json')
    const blsPath = join(dir, 'op.bls.key.json')
    const ecdsa = await runCli([
      'keys',
      'create',
      '--type',
      'ecdsa',
      '--out',
      ecdsaPath,
      '--password-file',
      passwordFile,
    ])
    expect(ecdsa.stderr).toBe('')
    const bls = await runCli(['keys', 'create', '--type', 'bls', '--out', blsPath, '--password-file', passwordFile])
    expect(bls.code).toBe(0)
    const operator = JSON.parse(ecdsa.stdout).address as Address
    const { operatorId } = JSON.parse(bls.stdout)

    // What an operator does in EigenLayer before joining an AVS: pay for gas, be an operator with delegated stake.
    const { contracts } = devnet.summary
    await createTestClient({ mode: 'anvil', transport: http(devnet.anvil.rpcUrl) }).setBalance({
      address: operator,
      value: parseEther('1'),
    })
    const owner = createTransactionSender({ client: devnet.client, account: privateKeyToAccount(devnetOwnerKey) })
    const delegationManager = contracts.delegationManager as Address
    await owner.send({
      address: delegationManager,
      abi: delegationManagerAbi,
      functionName: 'registerOperatorFor',
      args: [operator],
    })
    await owner.send({
      address: delegationManager,
      abi: delegationManagerAbi,
      functionName: 'setOperatorShares',
      args: [operator, contracts.strategy0 as Address, parseEther('5')],
    })

    const common = [
      '--eth-http-url',
      devnet.anvil.rpcUrl,
      '--registry-coordinator-addr',
      contracts.registryCoordinator as string,
    ]
    const registered = await runCli(
      [
        'register',
        ...common,
        '--ecdsa-keystore',
        ecdsaPath,
        '--ecdsa-key-password-file',
        passwordFile,
        '--bls-keystore',
        blsPath,
        '--quorums',
        '1',
        '--socket',
        'operator.example:9000',
      ],
      { env: { AVSKIT_BLS_KEY_PASSWORD: 'operator password' } },
    )
    expect(registered.stderr).toBe('')
    expect(registered.code).toBe(0)
    expect(JSON.parse(registered.stdout)).toMatchObject({ operator, operatorId, quorums: [1] })

    const listed = await runCli([
      'operators',
      ...common,
      '--operator-state-retriever-addr',
      contracts.operatorStateRetriever as string,
      '--quorums',
      '1',
    ])
    expect(listed.code).toBe(0)
    const state = JSON.parse(listed.stdout)
    expect(state.quorums[0].operators).toContainEqual({
      address: operator,
      operatorId,
      stake: parseEther('5').toString(),
    })

    // Registering twice is refused by the contract, with its reason.
    const again = await runCli([
      'register',
      ...common,
      '--ecdsa-keystore',
      ecdsaPath,
      '--ecdsa-key-password-file',
      passwordFile,
      '--bls-keystore',
      blsPath,
      '--bls-key-password-file',
      passwordFile,
      '--quorums',
      '1',
      '--socket',
      'operator.example:9000',
    ])
    expect(again.code).toBe(1)
    expect(again.stderr).toMatch(/^error: registerOperator reverted with \w+/)
  })

  test('refuses a wrong keystore password with exit code 2', async () => {
    const passwordFile = join(dir, 'pw2.txt')
    writeFileSync(passwordFile, 'right\n')
    const path = join(dir, 'k2.json')
    expect(
      (await runCli(['keys', 'create', '--type', 'bls', '--out', path, '--password-file', passwordFile])).code,
    ).toBe(0)
    const result = await runCli(['keys', 'show', path], { env: { AVSKIT_KEY_PASSWORD: 'wrong' } })
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/wrong password/)
  })
})
