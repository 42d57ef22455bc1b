/**
 * `avskit operator` in Raft mode with incomplete flags: one line on stderr naming what is missing, exit code 2,
 * before anything listens.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { createEcdsaKeystore, lightScryptParams, writeKeystoreFile } from '../../src/crypto/index.js'
import { runCli } from '../cli.js'

describe('avskit operator --raft-dir flags', () => {
  const dir = mkdtempSync(join(tmpdir(), 'avskit-raft-flags-'))
  const keystore = join(dir, 'ecdsa.json')
  const passwordFile = join(dir, 'password.txt')
  const base = () => ['operator', '--ecdsa-keystore', keystore, '--ecdsa-key-password-file', passwordFile]

  beforeAll(async () => {
    const { keystore: json } = await createEcdsaKeystore({ password: 'pw', scrypt: lightScryptParams })
    await writeKeystoreFile(keystore, json)
    await writeFile(passwordFile, 'pw\n')
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  function expectOneLineError(result: { code: number | null; stderr: string }, pattern: RegExp) {
    expect(result.code).toBe(2)
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1)
    expect(result.stderr).toMatch(pattern)
  }

  test('needs exactly one of --bootstrap and --join', async () => {
    const raft = ['--raft-dir', join(dir, 'raft')]
    expectOneLineError(await runCli([...base(), ...raft]), /exactly one of --bootstrap .* and --join <url>/)
    expectOneLineError(
      await runCli([...base(), ...raft, '--bootstrap', '--join', 'http://127.0.0.1:1']),
      /exactly one of --bootstrap/,
    )
  })

  test('names the chain flags Raft mode needs', async () => {
    const raft = ['--raft-dir', join(dir, 'raft'), '--bootstrap']
    expectOneLineError(await runCli([...base(), ...raft]), /Missing --eth-http-url \(needed with --raft-dir\)/)
    expectOneLineError(
      await runCli([
        ...base(),
        ...raft,
        '--eth-http-url',
        'http://127.0.0.1:1',
        '--registry-coordinator-addr',
        `0x${'11'.repeat(20)}`,
      ]),
      /Missing --task-manager-addr/,
    )
    expectOneLineError(await runCli([...base(), ...raft, '--join', 'not a url']), /Invalid --join/)
  })
})
