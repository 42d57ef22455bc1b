/**
 * `avskit operator --raft-dir …` as a child process for the cluster tests: spawned from the built CLI with a devnet
 * operator's keystores, fixed Raft and HTTP ports (a restart keeps its addresses, as a real operator does), and
 * its stderr kept for the failure report.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type ClusterStatus, fetchClusterStatus } from '../../src/consensus/index.js'
import type { DevnetOperator, DevnetSummary } from '../../src/devnet/summary.js'

const main = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url))

export type OperatorKeys = Pick<DevnetOperator, 'ecdsaKeystore' | 'blsKeystore' | 'passwordFile'>

export type OperatorProcess = {
  name: string
  child: ChildProcess
  httpUrl: string
  /** The first stdout line (the operator's summary), or the exit code when it exits before printing one. */
  started: Promise<{ member: string; http: string } | { exitCode: number | null }>
  exited: Promise<number | null>
  stderr(): string
}

export type OperatorPorts = { raft: number; http: number }

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

export async function operatorPorts(): Promise<OperatorPorts> {
  return { raft: await freePort(), http: await freePort() }
}

export function startOperatorProcess(parameters: {
  name: string
  /** The Raft directory's name (default `name`): a restart passes the name of the process it replaces. */
  raftName?: string | undefined
  summary: DevnetSummary
  keys: OperatorKeys
  dataDir: string
  ports: OperatorPorts
  mode: { bootstrap: true } | { join: string }
  /** A port nothing listens on, for the pinger (no pool in these tests). */
  aggregatorPort: number
  extraArgs?: readonly string[]
}): OperatorProcess {
  const { summary, keys, ports } = parameters
  const contracts = summary.contracts
  const args = [
    main,
    'operator',
    '--ecdsa-keystore',
    keys.ecdsaKeystore,
    '--ecdsa-key-password-file',
    keys.passwordFile,
    '--bls-keystore',
    keys.blsKeystore,
    '--bls-key-password-file',
    keys.passwordFile,
    '--eth-http-url',
    summary.rpcUrl,
    '--registry-coordinator-addr',
    contracts.registryCoordinator as string,
    '--operator-state-retriever-addr',
    contracts.operatorStateRetriever as string,
    '--task-manager-addr',
    contracts.taskManager as string,
    '--from-block',
    summary.deploymentBlock,
    '--raft-dir',
    join(parameters.dataDir, `raft-${parameters.raftName ?? parameters.name}`),
    '--raft-addr',
    `127.0.0.1:${ports.raft}`,
    '--http-addr',
    `127.0.0.1:${ports.http}`,
    '--metrics-addr',
    '127.0.0.1:0',
    '--aggregator-addr',
    `127.0.0.1:${parameters.aggregatorPort}`,
    '--ping-interval',
    '60s',
    '--log-format',
    'json',
    '--log-level',
    'info',
    ...('bootstrap' in parameters.mode ? ['--bootstrap'] : ['--join', parameters.mode.join]),
    ...(parameters.extraArgs ?? []),
  ]
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString()
  })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const started = new Promise<{ member: string; http: string } | { exitCode: number | null }>((resolve) => {
    let output = ''
    child.stdout?.on('data', (d: Buffer) => {
      output += d.toString()
      const newline = output.indexOf('\n')
      if (newline >= 0) resolve(JSON.parse(output.slice(0, newline)))
    })
    void exited.then((exitCode) => resolve({ exitCode }))
  })
  return {
    name: parameters.name,
    child,
    httpUrl: `http://127.0.0.1:${ports.http}`,
    started,
    exited,
    stderr: () => stderr,
  }
}

/** A member's status, or undefined while it does not answer. */
export async function statusOf(operator: OperatorProcess): Promise<ClusterStatus | undefined> {
  try {
    return await fetchClusterStatus(operator.httpUrl, 2_000)
  } catch {
    return undefined
  }
}

export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs = 30_000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value !== undefined && value !== false) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, intervalMs))
  }
}
