import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { InvalidInputError } from '../../core/errors.js'
import { type PasswordPromptInput, resolvePassword } from './resolvePassword.js'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'avskit-password-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

/** A stand-in for a TTY: records raw-mode switches; `type()` feeds keystrokes. */
function fakeTerminal() {
  const stream = new PassThrough() as PassThrough & PasswordPromptInput
  const rawModes: boolean[] = []
  stream.isTTY = true
  stream.isRaw = false
  stream.setRawMode = (mode: boolean) => {
    rawModes.push(mode)
    stream.isRaw = mode
    return stream
  }
  const output = new PassThrough()
  let written = ''
  output.on('data', (chunk: Buffer) => {
    written += chunk.toString()
  })
  return { input: stream, output, rawModes, written: () => written, type: (text: string) => stream.write(text) }
}

const notATerminal = Object.assign(new PassThrough(), { isTTY: false })

describe('resolvePassword', () => {
  test('reads a file, removing exactly one trailing newline', async () => {
    const cases: [string, string][] = [
      ['secret\n', 'secret'],
      ['secret\r\n', 'secret'],
      ['secret\n\n', 'secret\n'],
      ['  spaced  ', '  spaced  '],
      ['', ''],
    ]
    for (const [content, expected] of cases) {
      const file = join(dir, 'pw.txt')
      await writeFile(file, content)
      expect(await resolvePassword({ label: 'k', file, input: notATerminal })).toBe(expected)
    }
  })

  test('a file wins over the environment variable', async () => {
    const file = join(dir, 'pw2.txt')
    await writeFile(file, 'from-file\n')
    const environment = { AVSKIT_TEST_PASSWORD: 'from-env' }
    expect(await resolvePassword({ label: 'k', file, env: 'AVSKIT_TEST_PASSWORD', environment })).toBe('from-file')
  })

  test('reads the environment variable, including an empty one', async () => {
    const resolve = (environment: Record<string, string | undefined>) =>
      resolvePassword({ label: 'k', env: 'AVSKIT_TEST_PASSWORD', environment, input: notATerminal })
    expect(await resolve({ AVSKIT_TEST_PASSWORD: 'hunter2' })).toBe('hunter2')
    expect(await resolve({ AVSKIT_TEST_PASSWORD: '' })).toBe('')
  })

  test('an unreadable password file is an error naming it', async () => {
    const file = join(dir, 'missing.txt')
    const error = await resolvePassword({ label: 'BLS keystore b.json', file }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InvalidInputError)
    expect((error as InvalidInputError).shortMessage).toBe(
      `cannot read password file ${file} for BLS keystore b.json (ENOENT)`,
    )
  })

  test('with nothing available says how to give one', async () => {
    const error = await resolvePassword({
      label: 'BLS keystore b.json',
      fileFlag: '--bls-key-password-file',
      env: 'AVSKIT_BLS_KEY_PASSWORD',
      environment: {},
      input: notATerminal,
    }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InvalidInputError)
    expect((error as Error).message).toBe(
      'missing password for BLS keystore b.json: pass --bls-key-password-file, set AVSKIT_BLS_KEY_PASSWORD, or run in a terminal',
    )
    await expect(resolvePassword({ label: 'x', env: 'X', prompt: false, environment: {} })).rejects.toThrow(
      'missing password for x: set X',
    )
  })

  test('prompts on a terminal without echo, with backspace', async () => {
    const terminal = fakeTerminal()
    const password = resolvePassword({ label: 'ECDSA keystore e.json', environment: {}, ...terminal })
    terminal.type('hunX\u007fter2')
    terminal.type('\r')
    expect(await password).toBe('hunter2')
    expect(terminal.rawModes).toEqual([true, false])
    expect(terminal.written()).toBe('Password for ECDSA keystore e.json: \n')
  })

  test('Ctrl-C cancels the prompt and restores the terminal', async () => {
    const terminal = fakeTerminal()
    const password = resolvePassword({ label: 'k', environment: {}, ...terminal })
    terminal.type('abc\u0003')
    await expect(password).rejects.toThrow('password entry for k was cancelled')
    expect(terminal.rawModes).toEqual([true, false])
  })

  test('does not prompt when prompting is off', async () => {
    const terminal = fakeTerminal()
    await expect(resolvePassword({ label: 'k', prompt: false, environment: {}, ...terminal })).rejects.toThrow(
      'missing password for k',
    )
    expect(terminal.rawModes).toEqual([])
  })
})
