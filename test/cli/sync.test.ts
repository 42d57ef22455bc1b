/**
 * `avskit sync` as a user runs it, against a devnet (anvil, the avskit contracts, 4 registered operators in 2
 * quorums) started in this process: shares changed with `avskit devnet stake`, stakes and quorumUpdateBlockNumber
 * read back from the chain; avs-sync's flags and environment variables; bad flags; an unreachable node; the
 * service mode with /metrics and SIGTERM.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type Address, parseEther } from 'viem'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { registryCoordinatorAbi, stakeRegistryAbi } from '../../src/chain/abi/index.js'
import { createLogger } from '../../src/core/logger.js'
import { type Devnet, startDevnet } from '../../src/devnet/startDevnet.js'
import { anvilAccounts } from '../anvil.js'
import { runCli } from '../cli.js'

const main = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url))
/** avs-sync's README passes the key without 0x. */
const syncKey = anvilAccounts[5].slice(2)

describe('avskit sync (process)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'avskit-sync-cli-'))
  const devnetDir = join(dir, 'devnet')
  let devnet: Devnet
  let flags: string[]
  const children: ChildProcess[] = []

  beforeAll(async () => {
    devnet = await startDevnet({
      dataDir: devnetDir,
      operators: 4,
      quorums: 2,
      port: 0,
      blockTime: 0,
      logger: createLogger({ level: 'silent' }),
      pool: false,
    })
    const { contracts, rpcUrl } = devnet.summary
    flags = [
      '--eth-http-url',
      rpcUrl,
      '--registry-coordinator-addr',
      contracts.registryCoordinator as string,
      '--operator-state-retriever-addr',
      contracts.operatorStateRetriever as string,
      '--metrics-addr',
      '127.0.0.1:0',
      '--data-dir',
      join(dir, 'sync'),
      '--log.format',
      'json',
    ]
  })
  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL')
    await devnet?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  const operator = (i: number) => devnet.summary.operators[i] as (typeof devnet.summary.operators)[number]
  const recordedStake = (i: number, quorumNumber: number) =>
    devnet.client.readContract({
      address: devnet.summary.contracts.stakeRegistry as Address,
      abi: stakeRegistryAbi,
      functionName: 'getCurrentStake',
      args: [operator(i).operatorId, quorumNumber],
    })
  const quorumUpdateBlock = (quorumNumber: number) =>
    devnet.client.readContract({
      address: devnet.summary.contracts.registryCoordinator as Address,
      abi: registryCoordinatorAbi,
      functionName: 'quorumUpdateBlockNumber',
      args: [quorumNumber],
    })
  const stake = (shares: number) => 2n * parseEther(String(shares)) // two strategies, multiplier 1

  test('changed shares reach the StakeRegistry and quorumUpdateBlockNumber; a second run sends nothing and says why', async () => {
    // Operator 0 is in both quorums, the others round-robin: quorum 0 holds operators 0 and 2, quorum 1 holds 0, 1, 3.
    const staked = await runCli(['devnet', 'stake', '--data-dir', devnetDir, '--operator', '1', '--shares', '5000'])
    expect(staked.code, staked.stderr).toBe(0)
    expect(staked.stdout).toContain(`operator #1 ${operator(1).address}: shares 2000 → 5000 in each strategy`)
    expect(staked.stdout).toContain(
      'quorum 1: recorded stake 4000, weight now 10000 (stake sync updates it at its next round)',
    )
    expect(
      (await runCli(['devnet', 'stake', '--data-dir', devnetDir, '--operator', operator(2).address, '--shares', '100']))
        .code,
    ).toBe(0)
    expect(await recordedStake(1, 1)).toBe(stake(2000))

    const first = await runCli(['sync', ...flags, '--sync-interval', '0', '--ecdsa-private-key', syncKey])
    expect(first.code, first.stderr).toBe(0)
    const sent = [
      ...first.stdout.matchAll(
        /quorum (\d): sent updateOperatorsForQuorum of (\d) operators: (0x[0-9a-f]{64}) in block (\d+)/g,
      ),
    ]
    expect(sent.map((m) => [m[1], m[2]])).toEqual([
      ['0', '2'],
      ['1', '3'],
    ])
    expect(first.stdout).toContain(`${operator(1).address}  4000 → 10000`)
    expect(first.stdout).toContain(`${operator(2).address}  6000 → 200`)
    expect(await recordedStake(1, 1)).toBe(stake(5000))
    expect(await recordedStake(2, 0)).toBe(stake(100))
    expect(await quorumUpdateBlock(0)).toBe(BigInt(sent[0]?.[4] as string))
    expect(await quorumUpdateBlock(1)).toBe(BigInt(sent[1]?.[4] as string))

    const blockBefore = await devnet.client.getBlockNumber()
    const second = await runCli(['sync', ...flags, '--sync-interval', '0', '--ecdsa-private-key', syncKey])
    expect(second.code, second.stderr).toBe(0)
    expect(second.stdout).toBe(
      [
        'quorum 0: no transaction: the recorded stakes of all 2 operators equal their current weights (--force sends anyway)',
        'quorum 1: no transaction: the recorded stakes of all 3 operators equal their current weights (--force sends anyway)',
        '',
      ].join('\n'),
    )
    expect(await devnet.client.getBlockNumber()).toBe(blockBefore)
  })

  test("takes avs-sync's environment variables, a keystore and --log.path", async () => {
    await runCli(['devnet', 'stake', '--data-dir', devnetDir, '--operator', '3', '--shares', '4321'])
    const logPath = join(dir, 'sync.log')
    const { rpcUrl, contracts } = devnet.summary
    const result = await runCli(
      [
        'sync',
        '--ecdsa-keystore',
        operator(0).ecdsaKeystore,
        '--ecdsa-key-password-file',
        operator(0).passwordFile,
        '--data-dir',
        join(dir, 'sync'),
        '--log.path',
        logPath,
      ],
      {
        env: {
          AVS_SYNC_ETH_HTTP_URL: rpcUrl,
          AVS_SYNC_REGISTRY_COORDINATOR_ADDR: contracts.registryCoordinator,
          AVS_SYNC_OPERATOR_STATE_RETRIEVER_ADDR: contracts.operatorStateRetriever,
          AVS_SYNC_SERVICE_MANAGER_ADDR: contracts.serviceManager,
          AVS_SYNC_SYNC_INTERVAL: '0s',
          AVS_SYNC_QUORUMS: '1',
          AVS_SYNC_PROMETHEUS_SERVER_ADDR: '127.0.0.1:0',
          AVS_SYNC_LOG_LEVEL: 'DEBUG',
          AVS_SYNC_LOG_FORMAT: 'json',
          AVS_SYNC_USE_FIREBLOCKS: 'false',
          AVS_SYNC_DONT_USE_ALLOCATION_MANAGER: 'true',
          AVS_SYNC_FIREBLOCKS_API_URL: '',
          AVS_SYNC_READER_TIMEOUT_DURATION: '10s',
          AVS_SYNC_WRITER_TIMEOUT_DURATION: '1m30s',
        },
      },
    )
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toMatch(/^quorum 1: sent updateOperatorsForQuorum of 3 operators/)
    expect(result.stdout).not.toContain('quorum 0')
    expect(await recordedStake(3, 1)).toBe(stake(4321))
    const logs = result.stderr
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { level: number; msg: string; sender?: string })
    expect(logs.some((l) => l.level === 20)).toBe(true)
    expect(logs.find((l) => l.msg === 'sending stake updates from this account')?.sender).toBe(operator(0).address)
    expect(readFileSync(logPath, 'utf8')).toBe(result.stderr)
  })

  test('--first-sync-time waits for that UTC time of day before the round', async () => {
    const at = new Date(Date.now() + 3_000)
    const time = at.toISOString().slice(11, 19)
    const started = Date.now()
    const result = await runCli(['sync', ...flags, '--sync-interval', '0', '--dry-run', '--first-sync-time', time])
    expect(result.code, result.stderr).toBe(0)
    expect(Date.now()).toBeGreaterThanOrEqual(Math.floor(at.getTime() / 1000) * 1000)
    expect(Date.now() - started).toBeGreaterThan(1_500)
    expect(result.stderr).toContain(`"firstSyncAt":"${at.toISOString().slice(0, 19)}.000Z"`)
  })

  test('--dry-run prints the plan with gas estimates and sends nothing', async () => {
    await runCli(['devnet', 'stake', '--data-dir', devnetDir, '--operator', '0', '--shares', '1234.5'])
    const blockBefore = await devnet.client.getBlockNumber()
    const result = await runCli(['sync', ...flags, '--sync-interval', '0', '--dry-run'])
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toMatch(/^dry run at block \d+: nothing is sent\n/)
    expect(result.stdout).toMatch(
      /quorum 0: would send updateOperatorsForQuorum of 2 operators, ~\d+ gas \(1 of 2 stakes changed\)/,
    )
    expect(result.stdout).toContain(`${operator(0).address}  2000 → 2469`)
    expect(await devnet.client.getBlockNumber()).toBe(blockBefore)
  })

  test('--max-staleness reports quorums whose last full update is too old, and posts the alert', async () => {
    const posts: { event: string; quorumNumber: number; stalenessSeconds: number }[] = []
    const server = createServer(async (request, response) => {
      let body = ''
      for await (const chunk of request) body += chunk
      posts.push(JSON.parse(body))
      response.end()
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      // Both quorums were last updated in full by the tests above; wait until that is over a second ago. In
      // operator-subset mode (operator 2's stake is current) nothing refreshes them.
      await new Promise((resolve) => setTimeout(resolve, 1_100))
      const result = await runCli([
        'sync',
        ...flags,
        '--sync-interval',
        '0',
        '--ecdsa-private-key',
        syncKey,
        '--operators',
        operator(2).address,
        '--max-staleness',
        '1s',
        '--alert-webhook-url',
        `http://127.0.0.1:${(server.address() as AddressInfo).port}/alert`,
      ])
      expect(result.code, result.stderr).toBe(0)
      expect(result.stdout).toMatch(/quorum 0: STALE: last full update at block \d+, \d+s ago/)
      expect(result.stdout).toMatch(/quorum 1: STALE: last full update at block \d+, \d+s ago/)
      expect(posts.map((p) => [p.event, p.quorumNumber])).toEqual([
        ['quorum.stale', 0],
        ['quorum.stale', 1],
      ])
      expect(posts[0]?.stalenessSeconds).toBeGreaterThanOrEqual(1)
    } finally {
      server.close()
    }
  })

  test('bad flags fail at start, naming the flag', async () => {
    const key = ['--ecdsa-private-key', syncKey]
    const cases: [string[], RegExp, NodeJS.ProcessEnv?][] = [
      [
        ['--registry-coordinator-addr', '0x1234'],
        /Invalid --registry-coordinator-addr: expected a 0x-prefixed 20-byte hex address, got "0x1234"/,
      ],
      [
        ['--sync-interval', '1d'],
        /Invalid --sync-interval: expected a Go duration like 24h, 90s, 1h30m or 0, got "1d"/,
      ],
      [['--reader-timeout-duration', '5'], /Invalid --reader-timeout-duration: expected a Go duration/],
      [['--first-sync-time', '25:00:00'], /Invalid --first-sync-time: expected a UTC time of day as HH:MM:SS/],
      [
        ['--ecdsa-private-key', '0xabc123'],
        /Invalid --ecdsa-private-key: expected a secp256k1 private key as 64 hex digits/,
      ],
      [['--eth-http-url', 'localhost:8545'], /Invalid --eth-http-url: expected an http\(s\):\/\/ or ws\(s\):\/\/ URL/],
      [
        ['--operators', '0x12,0x34'],
        /Invalid --operators: expected 0x-prefixed 20-byte hex addresses, comma-separated \(bad: 0x12\)/,
      ],
      [['--max-gas-per-tx', 'lots'], /Invalid --max-gas-per-tx: expected a whole amount of gas/],
      [['--metrics-addr', 'everywhere'], /Invalid --metrics-addr: expected host:port or :port/],
      [['--log.level', 'loud'], /Invalid --log.level: expected one of fatal, error, warn, info, debug, trace, silent/],
      [
        ['--use-fireblocks'],
        /--use-fireblocks: avskit sync does not support signing through Fireblocks; give .*--ecdsa-private-key/,
      ],
      [
        ['--secret-manager-region', 'us-east-1'],
        /--secret-manager-region: avskit sync does not support keys from AWS Secrets Manager; give/,
      ],
      [['--quorums', '0', '--operators', operator(0).address], /--quorums does not apply with --operators/],
      [['--fetch-quorums-dynamically=false'], /--fetch-quorums-dynamically=false needs --quorums/],
      [['--quorums', '5'], /Invalid --quorums: quorum 5 does not exist \(the RegistryCoordinator has 2\)/],
      [
        ['--registry-coordinator-addr', operator(0).address],
        /--registry-coordinator-addr 0x[0-9a-fA-F]{40}: no contract at this address/,
      ],
      [
        ['--service-manager-addr', operator(0).address],
        /--service-manager-addr 0x[0-9a-fA-F]{40} is not the ServiceManager of the RegistryCoordinator/,
      ],
      [
        [],
        /Invalid AVS_SYNC_SYNC_INTERVAL \(for --sync-interval\): expected a Go duration/,
        { AVS_SYNC_SYNC_INTERVAL: 'daily' },
      ],
    ]
    const results = await Promise.all(
      cases.map(([args, , env]) =>
        runCli(['sync', ...flags, ...key, ...(env ? [] : ['--sync-interval', '0']), ...args], env ? { env } : {}),
      ),
    )
    for (const [i, result] of results.entries()) {
      const [args, pattern] = cases[i] as (typeof cases)[number]
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(2)
      expect(result.stderr, args.join(' ')).toMatch(pattern)
      expect(result.stdout).toBe('')
    }
    // The refusal names what to use instead; a bad key is never echoed.
    expect(results[10]?.stderr).toMatch(/--ecdsa-private-key .*--ecdsa-keystore/)
    expect(results[10]?.stderr.trim().split('\n')).toHaveLength(1)
    expect(results[4]?.stderr).not.toContain('abc123')
    const missingKey = await runCli(['sync', ...flags, '--sync-interval', '0'])
    expect(missingKey.code).toBe(2)
    expect(missingKey.stderr).toMatch(
      /Missing --ecdsa-private-key or --ecdsa-keystore: the account that sends the stake updates/,
    )
  })

  test('an unreachable node: a single round retries, then reports it without the credentials', async () => {
    const started = Date.now()
    const result = await runCli([
      'sync',
      ...flags.slice(2),
      '--eth-http-url',
      'http://user:hunter2@127.0.0.1:9/',
      '--sync-interval',
      '0',
      '--retry-sync-n-times',
      '2',
      '--ecdsa-private-key',
      syncKey,
    ])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(
      /error: Cannot reach the Ethereum node at http:\/\/\*\*\*@127\.0\.0\.1:9\/ \(2 attempts\)\./,
    )
    expect(result.stderr).toContain('cannot reach the Ethereum node; retrying with backoff')
    expect(result.stderr).not.toContain('hunter2')
    expect(Date.now() - started).toBeGreaterThan(1_000)
  })

  test('as a service, an unreachable node is retried with backoff and reported, not a crash loop', async () => {
    const running = startSync([
      ...flags.slice(2),
      '--eth-http-url',
      'http://127.0.0.1:9/',
      '--sync-interval',
      '1s',
      '--ecdsa-private-key',
      syncKey,
    ])
    const url = await running.metricsUrl()
    await new Promise((resolve) => setTimeout(resolve, 4_000))
    expect(running.child.exitCode).toBeNull()
    expect((await fetch(`${url}/health`)).status).toBe(200)
    const ready = await fetch(`${url}/ready`)
    expect(ready.status).toBe(503)
    expect(await ready.json()).toEqual({ status: 'not ready', reason: 'no sync round has finished yet' })
    // Logged once for the streak, not once per attempt.
    expect(running.stderr().match(/cannot reach the Ethereum node; retrying with backoff/g)).toHaveLength(1)
    running.child.kill('SIGTERM')
    expect(await running.exited).toBe(0)
  })

  test('as a service: rounds on the interval, avs-sync metrics on /metrics, SIGTERM stops it cleanly', async () => {
    const running = startSync([...flags, '--sync-interval', '1s', '--ecdsa-private-key', syncKey])
    const url = await running.metricsUrl()
    await running.waitForStdout(/quorum 1: no transaction/)
    expect((await fetch(`${url}/ready`)).status).toBe(200)
    const mark = running.stdoutLength()
    expect(
      (await runCli(['devnet', 'stake', '--data-dir', devnetDir, '--operator', '1', '--shares', '600'])).code,
    ).toBe(0)
    await running.waitForStdout(/quorum 1: sent updateOperatorsForQuorum of 3 operators/, mark)
    expect(await recordedStake(1, 1)).toBe(stake(600))
    const metrics = await (await fetch(`${url}/metrics`)).text()
    expect(metrics).toMatch(/avssync_update_stake_attempt\{status="succeed",quorum="1"\} [1-9]/)
    expect(metrics).toContain('avssync_operators_updated{quorum="1"} 3')
    expect(metrics).toMatch(/avssync_skipped_total\{quorum="0",reason="unchanged"\} [1-9]/)
    expect(metrics).toContain('avssync_tx_reverted_total 0')
    expect(metrics).toContain('avssync_is_submitter 1')
    running.child.kill('SIGTERM')
    expect(await running.exited).toBe(0)
    expect(running.stderr()).toContain('"msg":"shutting down"')
  })

  function startSync(args: string[]) {
    const child = spawn(process.execPath, [main, 'sync', ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    children.push(child)
    let stdout = ''
    let stderr = ''
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString()
    })
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString()
    })
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    const waitFor = async (read: () => string, pattern: RegExp, timeoutMs = 30_000) => {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const match = read().match(pattern)
        if (match) return match
        if (Date.now() > deadline || child.exitCode !== null) {
          throw new Error(`no ${pattern}; stdout:\n${stdout}\nstderr:\n${stderr}`)
        }
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
    }
    return {
      child,
      exited,
      stderr: () => stderr,
      stdoutLength: () => stdout.length,
      /** Waits for `pattern` in what the process printed after its first `from` characters. */
      waitForStdout: (pattern: RegExp, from = 0) => waitFor(() => stdout.slice(from), pattern),
      metricsUrl: async () => (await waitFor(() => stderr, /"metrics":"(http:\/\/[^"]+)\/metrics"/))[1] as string,
    }
  }
})
