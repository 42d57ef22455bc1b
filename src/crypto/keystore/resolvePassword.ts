/**
 * Where a keystore password comes from, in order: a password file (flag), an environment variable, or a
 * prompt on the terminal with echo off. Nothing here logs or repeats the password; errors name only the
 * file, the variable and the flag.
 */
import { readFile } from 'node:fs/promises'
import { InvalidInputError } from '../../core/errors.js'

/** The terminal input the prompt needs: a TTY stream that can switch to raw mode (no echo). */
export type PasswordPromptInput = NodeJS.ReadableStream & {
  isTTY?: boolean | undefined
  isRaw?: boolean | undefined
  setRawMode?: ((mode: boolean) => unknown) | undefined
}

export type ResolvePasswordParameters = {
  /** What the password opens, used in the prompt and errors, e.g. `BLS keystore keys/op.bls.key.json`. */
  label: string
  /** Path of a file holding the password. One trailing newline (`\n` or `\r\n`) is removed. */
  file?: string | undefined
  /** Name of the environment variable holding the password, e.g. `AVSKIT_BLS_KEY_PASSWORD`. Empty counts. */
  env?: string | undefined
  /** Ask on the terminal when neither gives a password (only if stdin is a TTY). Default true. */
  prompt?: boolean | undefined
  /** The flag that sets `file`, named in the "missing password" error, e.g. `--bls-key-password-file`. */
  fileFlag?: string | undefined
  /** Defaults to `process.env`. */
  environment?: Readonly<Record<string, string | undefined>> | undefined
  /** Defaults to `process.stdin`. */
  input?: PasswordPromptInput | undefined
  /** Where the prompt is written; defaults to `process.stderr` (stdout stays for results). */
  output?: NodeJS.WritableStream | undefined
}

/**
 * Resolves a password from a file, then an environment variable, then a hidden terminal prompt.
 * Throws `InvalidInputError` "missing password for <label>: pass <flag>, set <VAR>, or run in a terminal"
 * when none is available.
 *
 * @example
 * const password = await resolvePassword({
 *   label: `BLS keystore ${path}`,
 *   file: options.blsKeyPasswordFile,
 *   fileFlag: '--bls-key-password-file',
 *   env: 'AVSKIT_BLS_KEY_PASSWORD',
 * })
 */
export async function resolvePassword(parameters: ResolvePasswordParameters): Promise<string> {
  const { label } = parameters
  if (parameters.file !== undefined) return readPasswordFile(parameters.file, label)

  const environment = parameters.environment ?? process.env
  if (parameters.env !== undefined) {
    const value = environment[parameters.env]
    if (value !== undefined) return value
  }

  const input = parameters.input ?? process.stdin
  const prompt = parameters.prompt ?? true
  if (prompt && input.isTTY === true && typeof input.setRawMode === 'function') {
    return promptHiddenPassword(`Password for ${label}: `, label, input, parameters.output ?? process.stderr)
  }

  const ways = [
    ...(parameters.fileFlag === undefined ? [] : [`pass ${parameters.fileFlag}`]),
    ...(parameters.env === undefined ? [] : [`set ${parameters.env}`]),
    ...(prompt ? ['run in a terminal'] : []),
  ]
  const hint =
    ways.length === 0 ? '' : `: ${ways.length === 1 ? ways[0] : `${ways.slice(0, -1).join(', ')}, or ${ways.at(-1)}`}`
  throw new InvalidInputError(`missing password for ${label}${hint}`)
}

async function readPasswordFile(file: string, label: string): Promise<string> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    throw new InvalidInputError(`cannot read password file ${file} for ${label}${code ? ` (${code})` : ''}`, {
      cause: err,
    })
  }
  return text.replace(/\r?\n$/, '')
}

/**
 * Reads one line from a TTY in raw mode, so nothing is echoed. Enter or Ctrl-D ends it, Backspace edits it,
 * Ctrl-C cancels with an error (raw mode turns Ctrl-C into a character instead of SIGINT).
 */
function promptHiddenPassword(
  question: string,
  label: string,
  input: PasswordPromptInput,
  output: NodeJS.WritableStream,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const wasRaw = input.isRaw === true
    let characters: string[] = []
    const finish = () => {
      input.removeListener('data', onData)
      input.removeListener('end', onEnd)
      input.setRawMode?.(wasRaw)
      input.pause()
      output.write('\n')
    }
    const onEnd = () => {
      finish()
      reject(new InvalidInputError(`missing password for ${label}: the terminal closed before a password was entered`))
    }
    const onData = (chunk: string | Buffer) => {
      for (const character of typeof chunk === 'string' ? chunk : chunk.toString('utf8')) {
        if (character === '\r' || character === '\n' || character === '\u0004') {
          const password = characters.join('')
          characters = []
          finish()
          resolve(password)
          return
        }
        if (character === '\u0003') {
          characters = []
          finish()
          reject(new InvalidInputError(`password entry for ${label} was cancelled`))
          return
        }
        if (character === '\u007f' || character === '\b') characters.pop()
        else characters.push(character)
      }
    }
    output.write(question)
    input.setRawMode?.(true)
    input.on('data', onData)
    input.on('end', onEnd)
    input.resume()
  })
}
