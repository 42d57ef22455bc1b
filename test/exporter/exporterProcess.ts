/**
 * `avskit exporter` as its own process (`node dist/cli/main.js exporter …`), for the tests that kill it: it prints
 * its URLs as one JSON line on start; `/ready`, `/metrics` and the exporter tables tell how far it got.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const main = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url))

export type ExporterProcess = {
  child: ChildProcess
  query: string
  stream: string
  http: string
  stderr(): string
  /** Resolves once `/ready` answers 200 (the index reached the head). */
  waitReady(timeoutMs?: number): Promise<void>
  /** A metric's value from `/metrics` (summed over labels); undefined when absent. */
  metric(name: string): Promise<number | undefined>
  /** SIGKILL, and wait for the exit. */
  kill(): Promise<void>
  /** SIGTERM, and wait for a clean exit (code 0). */
  stop(): Promise<number | null>
}

export async function startExporterProcess(args: readonly string[]): Promise<ExporterProcess> {
  const child = spawn(process.execPath, [main, 'exporter', '--ws-addr', '127.0.0.1:0', ...args], {
    env: { ...process.env, AVSKIT_LOG_FORMAT: 'json' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString()
  })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const urls = await new Promise<{ query: string; stream: string; http: string }>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString()
      const line = stdout.split('\n').find((l) => l.startsWith('{'))
      if (line) resolve(JSON.parse(line))
    })
    exited.then((code) => reject(new Error(`avskit exporter exited (${code}) before it started:\n${stderr}`)))
  })
  return {
    child,
    ...urls,
    stderr: () => stderr,
    async waitReady(timeoutMs = 120_000) {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const response = await fetch(`${urls.http}/ready`).catch(() => undefined)
        if (response?.status === 200) return
        if (Date.now() > deadline) throw new Error(`the exporter did not turn ready:\n${stderr.slice(-2000)}`)
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
    },
    async metric(name) {
      const text = await (await fetch(`${urls.http}/metrics`)).text()
      const values = [...text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'gm'))].map((m) => Number(m[1]))
      return values.length === 0 ? undefined : values.reduce((a, b) => a + b, 0)
    },
    async kill() {
      child.kill('SIGKILL')
      await exited
    },
    async stop() {
      child.kill('SIGTERM')
      return exited
    },
  }
}
