/**
 * `avskit aggregator` and `avskit operator` as a user runs them: separate processes on a devnet chain, the operator's
 * signed check-ins listed by the aggregator, logs once per error streak, graceful stop on SIGTERM, a restart that
 * keeps the pool, and one-line errors for bad flags.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { type RunningCli, runCli, startCli } from '../cli.js'
import { eventually, usePoolNetwork } from '../pool/harness.js'

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

const logLines = (text: string) =>
  text
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { level: number; msg: string })

describe('avskit aggregator and avskit operator', () => {
  const network = usePoolNetwork(2)
  let dataDir: string
  const processes: RunningCli[] = []
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'avskit-aggregator-cli-'))
  })
  afterEach(async () => {
    for (const running of processes.splice(0)) await running.stop()
  })
  afterAll(() => {
    rmSync(dataDir, { recursive: true, force: true })
  })

  const aggregatorArgs = (grpcAddr = '127.0.0.1:0') => [
    'aggregator',
    '--eth-http-url',
    network.devnet.anvil.rpcUrl,
    '--registry-coordinator-addr',
    network.registryCoordinator,
    '--grpc-addr',
    grpcAddr,
    '--http-addr',
    '127.0.0.1:0',
    '--data-dir',
    dataDir,
    '--ping-interval',
    '1s',
    '--offline-after',
    '1m',
  ]
  const operatorArgs = (aggregator: string, index = 0) => {
    const operator = network.devnet.summary.operators[index]
    if (!operator) throw new Error('no such devnet operator')
    return [
      'operator',
      '--aggregator-addr',
      aggregator,
      '--ecdsa-keystore',
      operator.ecdsaKeystore,
      '--ecdsa-key-password-file',
      operator.passwordFile,
      '--eth-http-url',
      network.devnet.anvil.rpcUrl,
      '--registry-coordinator-addr',
      network.registryCoordinator,
      '--metrics-addr',
      '127.0.0.1:0',
      '--ping-interval',
      '1s',
    ]
  }
  const start = (args: string[]) => {
    const running = startCli(args)
    processes.push(running)
    return running
  }

  test('the operator checks in with the aggregator, both stop on SIGTERM, and a restarted aggregator keeps the pool', async () => {
    const aggregator = start(aggregatorArgs())
    const { grpc, http, dashboard } = await aggregator.ready
    expect(dashboard).toBe(`${http}/telemetry`)
    const operator = start(operatorArgs(grpc as string))
    const { operator: address, metrics } = await operator.ready
    expect(address).toBe(network.operators[0]?.address)

    const listed = await eventually(async () => {
      const { data } = (await (await fetch(`${http}/operator`)).json()) as { data: Record<string, unknown>[] }
      return data.find((o) => o.address === address && (o.blockNumber as number) > 0)
    })
    expect(listed).toMatchObject({
      status: 'online',
      authenticated: true,
      version: expect.stringMatching(/^avskit\/\d+\.\d+\.\d+$/),
      metricsPort: Number(new URL(metrics as string).port),
      supportedChainIds: [31337],
    })
    await eventually(async () => (await fetch(`${metrics}/ready`)).status === 200)
    expect(await (await fetch(`${metrics}/metrics`)).text()).toMatch(/avskit_pool_pings_total\{outcome="ok"\} [1-9]/)

    expect(await operator.stop()).toBe(0)
    expect(await aggregator.stop()).toBe(0)
    const password = readFileSync(network.devnet.summary.operators[0]?.passwordFile as string, 'utf8').trim()
    expect(operator.stderr()).not.toContain(password)
    expect(logLines(aggregator.stderr()).map((l) => l.msg)).toContain('aggregator stopped')

    const again = start(aggregatorArgs())
    const restarted = await again.ready
    const { data } = (await (await fetch(`${restarted.http}/operator`)).json()) as { data: { address: string }[] }
    expect(data.map((o) => o.address)).toEqual([address])
  })

  test('the operator logs once while the aggregator is unreachable, and once when it recovers', async () => {
    const port = await freePort()
    const operator = start(operatorArgs(`127.0.0.1:${port}`, 1))
    await operator.ready
    await new Promise((resolve) => setTimeout(resolve, 4_000))
    const failures = logLines(operator.stderr()).filter((l) => l.msg.startsWith('check-in with'))
    expect(failures.map((l) => [l.level, l.msg])).toEqual([
      [40, `check-in with 127.0.0.1:${port} failed; retrying (logged once until it recovers)`],
    ])
    const aggregator = start(aggregatorArgs(`127.0.0.1:${port}`))
    await aggregator.ready
    await eventually(() => operator.stderr().includes(`"check-in with 127.0.0.1:${port} recovered"`), 30_000)
    const streak = logLines(operator.stderr()).filter((l) => l.msg.startsWith('check-in with'))
    expect(streak.map((l) => l.level)).toEqual([40, 30])
  })

  test('refuses bad flags with one line and exit code 2', async () => {
    const base = aggregatorArgs().slice(0, 5)
    const cases: [string[], RegExp][] = [
      [['aggregator', '--registry-coordinator-addr', network.registryCoordinator], /^error: Missing --eth-http-url/],
      [[...base, '--grpc-addr', 'localhost'], /^error: Invalid --grpc-addr: expected host:port/],
      [[...base, '--ping-interval', '500ms'], /^error: Invalid --ping-interval: expected at least 1s/],
      [[...base, '--offline-after', 'soon'], /^error: Invalid --offline-after: expected a duration like 500ms/],
      [
        [...base, '--ping-interval', '5s', '--offline-after', '10s'],
        /^error: --offline-after \(10 s\) must be longer than 3 × --ping-interval \(15 s\)/,
      ],
      [
        [...base, '--alert-telegram-bot-token', '123:abc'],
        /^error: Telegram alerts need both --alert-telegram-bot-token and --alert-telegram-chat-id\./,
      ],
      [
        [...base, '--alert-smtp-url', 'http://mail'],
        /^error: Invalid --alert-smtp-url: expected an smtp:\/\/ or smtps:\/\/ URL\.\n$/,
      ],
      [[...operatorArgs('127.0.0.1:1').slice(0, 7), '--ping-interval', '0.5s'], /^error: Invalid --ping-interval/],
    ]
    for (const [args, message] of cases) {
      const result = await runCli(args)
      expect({ args, code: result.code }).toEqual({ args, code: 2 })
      expect(result.stderr.trim().split('\n')).toHaveLength(1)
      expect(result.stderr).toMatch(message)
    }
    // A secret flag's bad value is not echoed.
    const secret = await runCli([...base, '--alert-webhook-url', 'not a url with s3cret'])
    expect(secret.stderr).not.toContain('s3cret')
  })
})
