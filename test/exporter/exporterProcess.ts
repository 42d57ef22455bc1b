/**
 * `avskit exporter` as its own process (`node dist/cli/main.js exporter …`), for the tests that kill it: it prints
 * its URLs as one JSON line on start; `/ready`, `/metrics` and the exporter tables tell how far it got.
 */
import type { ChildProcess } from 'node:child_process'
import { startCli } from '../cli.js'

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
  const running = startCli<{ query: string; stream: string; http: string }>([
    'exporter',
    '--ws-addr',
    '127.0.0.1:0',
    ...args,
  ])
  const { child, stderr } = running
  const urls = await running.ready
  return {
    child,
    ...urls,
    stderr,
    async waitReady(timeoutMs = 120_000) {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const response = await fetch(`${urls.http}/ready`).catch(() => undefined)
        if (response?.status === 200) return
        if (Date.now() > deadline) throw new Error(`the exporter did not turn ready:\n${stderr().slice(-2000)}`)
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
    },
    async metric(name) {
      const text = await (await fetch(`${urls.http}/metrics`)).text()
      const values = [...text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'gm'))].map((m) => Number(m[1]))
      return values.length === 0 ? undefined : values.reduce((a, b) => a + b, 0)
    },
    async kill() {
      await running.kill()
    },
    stop: running.stop,
  }
}
