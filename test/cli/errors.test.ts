/**
 * Bad input through the CLI: one line on stderr naming the problem, exit code 2, no stack trace unless
 * --log-level debug, and never a secret echoed back.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { runCli } from '../cli.js'

const digest = `0x${'11'.repeat(32)}`

function expectOneLineError(result: { code: number | null; stderr: string; stdout: string }, pattern: RegExp) {
  expect(result.code).toBe(2)
  expect(result.stdout).toBe('')
  const lines = result.stderr.trimEnd().split('\n')
  expect(lines).toHaveLength(1)
  expect(lines[0]).toMatch(/^error: /)
  expect(lines[0]).toMatch(pattern)
  expect(result.stderr).not.toMatch(/\n\s+at /)
}

describe('avskit bad input', () => {
  test('a malformed private key', async () => {
    const result = await runCli(['bls', 'pubkey', '--private-key', '0xnothex'])
    expectOneLineError(result, /BLS private key/)
    expect(result.stderr).not.toContain('0xnothex')
  })

  test('a private key that is not below the group order', async () => {
    const r = '21888242871839275222246405745257275088548364400416034343698204186575808495617'
    expectOneLineError(await runCli(['bls', 'pubkey', '--private-key', r]), /BLS private key/)
  })

  test('a signature point off the curve', async () => {
    const g2 = JSON.parse((await runCli(['bls', 'pubkey', '--private-key', '7'])).stdout).g2
    const result = await runCli([
      'bls',
      'verify',
      '--g2',
      JSON.stringify(g2),
      '--digest',
      digest,
      '--signature',
      '{"x":"1","y":"3"}',
    ])
    expectOneLineError(result, /--signature.*curve/)
  })

  test('a digest of the wrong length', async () => {
    expectOneLineError(await runCli(['bls', 'hash-to-g1', '--digest', '0x1234']), /--digest.*32-byte/)
  })

  test('an unknown flag', async () => {
    expectOneLineError(await runCli(['bls', 'pubkey', '--frobnicate']), /unknown option '--frobnicate'/)
  })

  test('an unreachable RPC, with credentials stripped from the URL', async () => {
    const result = await runCli([
      'operators',
      '--eth-http-url',
      'http://user:secret@127.0.0.1:9',
      '--registry-coordinator-addr',
      '0x0165878A594ca255338adfa4d48449f69242Eb8F',
      '--operator-state-retriever-addr',
      '0xa513E6E4b8f2a923D98304ec87F64353C4D5C853',
    ])
    expectOneLineError(result, /Cannot reach the Ethereum node at http:\/\/\*\*\*@127\.0\.0\.1:9/)
    expect(result.stderr).not.toContain('secret')
  })

  test('a missing keystore password', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'avskit-cli-'))
    const created = await runCli(['keys', 'create', '--type', 'ecdsa', '--out', join(dir, 'k.json')], {
      env: { AVSKIT_KEY_PASSWORD: 'pw' },
    })
    expect(created.code).toBe(0)
    const result = await runCli(['keys', 'show', join(dir, 'k.json')], { env: { AVSKIT_KEY_PASSWORD: undefined } })
    expectOneLineError(result, /missing password/)
  })

  test('a keystore file that does not exist', async () => {
    const result = await runCli(['keys', 'show', '/nonexistent/k.json'], { env: { AVSKIT_KEY_PASSWORD: 'pw' } })
    expectOneLineError(result, /\/nonexistent\/k\.json/)
  })

  test('a config file with an unknown key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'avskit-cli-'))
    writeFileSync(join(dir, 'c.yaml'), 'privte-key: 1\n')
    expectOneLineError(await runCli(['bls', 'pubkey', '--config', join(dir, 'c.yaml')]), /Unknown key "privte-key"/)
  })

  test('shows the stack trace at --log-level debug', async () => {
    const result = await runCli(['bls', 'pubkey', '--private-key', '0xnothex', '--log-level', 'debug'])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/\n\s+at /)
  })
})
