/**
 * Runs the real `avskit` CLI in a child process, as a user would: `node dist/cli/main.js`, built from this run's
 * sources by the global setup (test/buildCli.ts).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const main = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url))

export type CliResult = { code: number | null; stdout: string; stderr: string }

export function runCli(
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; input?: string; timeout?: number } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [main, ...args], {
      env: { ...process.env, AVSKIT_LOG_FORMAT: 'json', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString()
    })
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString()
    })
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeout ?? 60_000)
    child.once('error', reject)
    child.once('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
    child.stdin.end(options.input ?? '')
  })
}

/** A long-running `avskit` command started by `startCli`. */
export type RunningCli<ready = Record<string, string>> = {
  child: ChildProcess
  /** The first JSON line the command prints on stdout, parsed; rejects if it exits first. */
  ready: Promise<ready>
  stderr(): string
  /** Resolves with the exit code once the process exited. */
  exited: Promise<number | null>
  /** SIGTERM (unless it exited already), then the exit code. */
  stop(): Promise<number | null>
  /** SIGKILL, then the exit code. */
  kill(): Promise<number | null>
}

/** Starts `node dist/cli/main.js …args` as a service: JSON logs on stderr, its ready line on stdout. */
export function startCli<ready = Record<string, string>>(args: readonly string[]): RunningCli<ready> {
  const child = spawn(process.execPath, [main, ...args], {
    env: { ...process.env, AVSKIT_LOG_FORMAT: 'json' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString()
  })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const ready = new Promise<ready>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString()
      const line = stdout.split('\n').find((l, i, lines) => i < lines.length - 1 && l.startsWith('{'))
      if (line) resolve(JSON.parse(line) as ready)
    })
    void exited.then((code) => reject(new Error(`avskit ${args[0]} exited (${code}) before it was ready:\n${stderr}`)))
  })
  // A caller that never waits for it must not see an unhandled rejection when the process ends.
  ready.catch(() => {})
  return {
    child,
    ready,
    stderr: () => stderr,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
      return exited
    },
    async kill() {
      child.kill('SIGKILL')
      return exited
    },
  }
}
