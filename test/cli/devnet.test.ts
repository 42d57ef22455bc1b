/**
 * `avskit devnet` as a user runs it: it comes up, creates a task every second, prints each certified task with its
 * respondToTask transaction, answers `wscat` on its exporter's /query, stops cleanly on SIGINT, and a second start
 * resumes the same chain and goes on certifying from the next task index.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createPublicClient, http } from 'viem'
import { afterAll, describe, expect, test } from 'vitest'

const main = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url))
const wscatBin = fileURLToPath(new URL('../../node_modules/.bin/wscat', import.meta.url))

type Running = { child: ChildProcess; output: () => string; exited: Promise<number | null> }

function startDevnetProcess(dataDir: string): Running {
  const child = spawn(
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
      '--exporter-ws-addr',
      '127.0.0.1:0',
      '--task-interval',
      '1',
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
  return { child, output: () => output, exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))) }
}

type WscatAnswer = { type: string; filter: Record<string, unknown>; data: unknown[] }

/** Runs `wscat -c url -x message …` and returns the answers it printed, parsed. */
async function wscat(url: string, messages: string[]): Promise<WscatAnswer[]> {
  const args = ['-c', url, ...messages.flatMap((m) => ['-x', m]), '-w', '2']
  // wscat exits when its standard input closes: keep it open, as a terminal would.
  const child = spawn(wscatBin, args, { stdio: ['pipe', 'pipe', 'pipe'] })
  let stdout = ''
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString()
  })
  const code = await new Promise((resolve) => child.once('exit', resolve))
  expect(code).toBe(0)
  return stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line))
}

async function waitForOutput(running: Running, pattern: RegExp, timeoutMs = 90_000): Promise<RegExpMatchArray> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const match = running.output().match(pattern)
    if (match) return match
    if (Date.now() > deadline) throw new Error(`no ${pattern} in devnet output:\n${running.output()}`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

describe('avskit devnet (process)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'avskit-devnet-cli-'))
  const processes: Running[] = []
  afterAll(async () => {
    for (const running of processes) running.child.kill('SIGKILL')
    await Promise.all(processes.map((running) => running.exited))
    rmSync(dataDir, { recursive: true, force: true, maxRetries: 5 })
  })

  test('certifies generated tasks on chain, stops on SIGINT, and resumes on the next start', {
    timeout: 240_000,
  }, async () => {
    const first = startDevnetProcess(dataDir)
    processes.push(first)
    await waitForOutput(first, /Ctrl-C to stop\./)
    const summary = JSON.parse(readFileSync(join(dataDir, 'devnet.json'), 'utf8'))
    const client = createPublicClient({ transport: http(summary.rpcUrl) })
    for (const address of Object.values(summary.contracts).slice(0, 10) as `0x${string}`[]) {
      expect((await client.getCode({ address }))?.length).toBeGreaterThan(2)
    }
    const [line] = await waitForOutput(
      first,
      /task 1 certified: 3\/3 signers \(q0 100% q1 100%\), respondToTask (0x[0-9a-f]{64}) \(gas \d+\)/,
    )
    const hash = line.match(/0x[0-9a-f]{64}/)?.[0] as `0x${string}`
    expect((await client.getTransactionReceipt({ hash })).status).toBe('success')

    // The exporter, with wscat as its users query it (the SSV exporter's README example).
    const [, queryUrl] = await waitForOutput(first, /exporter query\s+(ws:\/\/\S+)/)
    // The exporter indexes the certified task at its next poll after the respondToTask block.
    const decidedQuery = `{ "type": "decided", "filter": { "from": 1, "to": 1, "publicKey": "${summary.contracts.taskManager}" } }`
    for (let attempt = 0; ; attempt++) {
      const [answer] = await wscat(queryUrl as string, [decidedQuery])
      if (answer?.data.length === 1) break
      if (attempt === 20) throw new Error(`task 1 was not exported: ${JSON.stringify(answer)}`)
      await new Promise((resolve) => setTimeout(resolve, 500))
    }
    const answers = await wscat(queryUrl as string, [
      '{ "type": "operator", "filter": { "from": 0, "to": 4 } }',
      '{ "type": "operator", "filter": { "from": 0, "to": 4 ',
      '{ "type": "foo", "filter": { "from": 0, "to": 4 } }',
      decidedQuery,
    ])
    expect(answers).toHaveLength(4)
    const [operators, corrupt, unknown, decided] = answers as [WscatAnswer, WscatAnswer, WscatAnswer, WscatAnswer]
    expect(operators.type).toBe('operator')
    expect(operators.filter).toEqual({ from: 0, to: 4 })
    expect((operators.data as { index: number; id: number }[]).map((o) => [o.index, o.id])).toEqual([
      [0, 1],
      [1, 2],
      [2, 3],
      [3, 4],
      [4, 5],
    ])
    expect(corrupt).toMatchObject({ type: 'error', filter: { from: 0, to: 0 } })
    expect(corrupt.data[0]).toBe('could not parse network message')
    expect(unknown).toEqual({
      type: 'error',
      filter: { from: 0, to: 0 },
      data: ["bad request - unknown message type 'foo'"],
    })
    const [task] = decided.data as { message: { seq_number: number }; signer_ids: string[] }[]
    expect(decided.data).toHaveLength(1)
    expect(task?.message.seq_number).toBe(1)
    expect(task?.signer_ids).toHaveLength(3)

    first.child.kill('SIGINT')
    expect(await first.exited).toBe(0)
    const lastBefore = Math.max(...[...first.output().matchAll(/task (\d+) certified/g)].map((m) => Number(m[1])))

    const second = startDevnetProcess(dataDir)
    processes.push(second)
    await waitForOutput(second, /^resumed devnet/m)
    const [, next] = await waitForOutput(second, /task (\d+) certified/)
    expect(Number(next)).toBeGreaterThan(lastBefore)
    second.child.kill('SIGINT')
    expect(await second.exited).toBe(0)
  })
})
