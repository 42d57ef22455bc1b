/**
 * `avskit exporter` refusing bad input with an error line naming the problem (exit code 2): nothing to index, a
 * malformed address, and a database that already indexes other contracts (its rows stay as they were).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { useAnvil } from '../anvil.js'
import { runCli } from '../cli.js'
import { startExporterProcess } from '../exporter/exporterProcess.js'

describe('avskit exporter: bad input', () => {
  const chain = useAnvil()
  const dataDir = mkdtempSync(join(tmpdir(), 'avskit-exporter-cli-'))
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

  /** The error is the last line (start-up logs such as the database's come before it), without a stack trace. */
  const expectOneLineError = (result: { code: number | null; stderr: string }, pattern: RegExp) => {
    expect(result.code).toBe(2)
    const last = result.stderr.trimEnd().split('\n').at(-1)
    expect(last).toMatch(/^error: /)
    expect(last).toMatch(pattern)
    expect(result.stderr).not.toMatch(/\n\s+at /)
  }

  test('needs a registry or a task manager', async () => {
    const result = await runCli(['exporter', '--eth-http-url', chain.rpcUrl, '--data-dir', dataDir])
    expectOneLineError(result, /--registry-addr.*--task-manager-addr/)
  })

  test('names a malformed address and block', async () => {
    expectOneLineError(
      await runCli(['exporter', '--eth-http-url', chain.rpcUrl, '--registry-addr', '0x1234']),
      /--registry-addr.*20-byte hex address/,
    )
    expectOneLineError(
      await runCli([
        'exporter',
        '--eth-http-url',
        chain.rpcUrl,
        '--registry-addr',
        `0x${'12'.repeat(20)}`,
        '--from-block',
        '-3',
      ]),
      /--from-block.*block number/,
    )
  })

  test('refuses a database that indexes other contracts', { timeout: 60_000 }, async () => {
    const first = await startExporterProcess([
      '--eth-http-url',
      chain.rpcUrl,
      '--registry-addr',
      `0x${'12'.repeat(20)}`,
      '--data-dir',
      dataDir,
    ])
    await first.waitReady()
    expect(await first.stop()).toBe(0)
    const other = await runCli([
      'exporter',
      '--eth-http-url',
      chain.rpcUrl,
      '--registry-addr',
      `0x${'34'.repeat(20)}`,
      '--data-dir',
      dataDir,
    ])
    expectOneLineError(other, /already holds an exporter index of other contracts/)
    expect(other.stderr).toContain('0x3434343434343434343434343434343434343434')
  })
})
