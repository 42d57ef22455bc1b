/**
 * `avskit devnet` runs stake sync: shares changed with `avskit devnet stake` (a second process, as a user would)
 * reach the StakeRegistry at the next round, and the devnet prints the update it sent.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createPublicClient, http, parseEther } from 'viem'
import { afterAll, describe, expect, test } from 'vitest'
import { stakeRegistryAbi } from '../../src/chain/abi/index.js'
import type { DevnetSummary } from '../../src/devnet/summary.js'
import { runCli } from '../cli.js'

const main = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url))

describe('avskit devnet stake sync (process)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'avskit-devnet-stake-'))
  let child: ChildProcess | undefined
  afterAll(() => {
    child?.kill('SIGKILL')
    rmSync(dataDir, { recursive: true, force: true })
  })

  test('prints the stake update it sends after avskit devnet stake changes shares', { timeout: 180_000 }, async () => {
    child = spawn(
      process.execPath,
      [
        main,
        'devnet',
        '--data-dir',
        dataDir,
        '--operators',
        '3',
        '--port',
        '0',
        '--aggregator-grpc-addr',
        '127.0.0.1:0',
        '--aggregator-http-addr',
        '127.0.0.1:0',
        '--task-interval',
        '0',
        '--stake-sync-interval',
        '1s',
        '--log-format',
        'json',
        '--log-level',
        'warn',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let output = ''
    child.stdout?.on('data', (d: Buffer) => {
      output += d.toString()
    })
    child.stderr?.resume()
    const exited = new Promise<number | null>((resolve) => child?.once('exit', (code) => resolve(code)))
    const waitFor = async (pattern: RegExp, timeoutMs = 90_000) => {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const match = output.match(pattern)
        if (match) return match
        if (Date.now() > deadline) throw new Error(`no ${pattern} in devnet output:\n${output}`)
        await new Promise((resolve) => setTimeout(resolve, 200))
      }
    }
    await waitFor(/Ctrl-C to stop\./)
    expect(output).toMatch(/stake sync\s+every 1 s \(avskit devnet stake changes shares\)/)
    // Nothing changed yet: quiet rounds print nothing.
    await new Promise((resolve) => setTimeout(resolve, 2_500))
    expect(output).not.toContain('stake sync:')

    const staked = await runCli(['devnet', 'stake', '--data-dir', dataDir, '--operator', '1', '--shares', '3000'])
    expect(staked.code, staked.stderr).toBe(0)
    const summary = JSON.parse(readFileSync(join(dataDir, 'devnet.json'), 'utf8')) as DevnetSummary
    const operator = summary.operators[1] as DevnetSummary['operators'][number]
    // The shares of both strategies change in one block (they may straddle two: then two rounds each print one step).
    await waitFor(
      /stake sync: quorum 1: sent updateOperatorsForQuorum of 2 operators: 0x[0-9a-f]{64} in block \d+, gas \d+ \(1 of 2 stakes changed\)/,
      30_000,
    )
    await waitFor(new RegExp(`stake sync: {3}${operator.address} {2}\\d+ → 6000\n`), 30_000)
    const client = createPublicClient({ transport: http(summary.rpcUrl) })
    expect(
      await client.readContract({
        address: summary.contracts.stakeRegistry as `0x${string}`,
        abi: stakeRegistryAbi,
        functionName: 'getCurrentStake',
        args: [operator.operatorId, 1],
      }),
    ).toBe(2n * parseEther('3000'))

    child.kill('SIGINT')
    expect(await exited).toBe(0)
  })
})
