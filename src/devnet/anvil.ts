/**
 * Starts the anvil binary shipped by the npm package `@foundry-rs/anvil`. The package's `bin.mjs` is a Node
 * wrapper that spawns the platform binary as a child and would outlive us when killed, so we resolve the
 * platform package (`@foundry-rs/anvil-<os>-<arch>`) and spawn its binary directly.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { BaseError } from '../core/errors.js'

export type StartAnvilParameters = {
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number | undefined
  host?: string | undefined
  chainId?: number | undefined
  /** Seconds between blocks; undefined mines on every transaction. */
  blockTime?: number | undefined
  /** Path used to load state at start and dump it at exit (anvil `--state`). */
  statePath?: string | undefined
  /** Seconds between periodic state dumps (anvil `--state-interval`). */
  stateInterval?: number | undefined
  accounts?: number | undefined
  /** Extra raw flags. */
  args?: readonly string[] | undefined
  /** Milliseconds to wait for "Listening on". */
  startTimeout?: number | undefined
}

export type Anvil = {
  rpcUrl: string
  host: string
  port: number
  process: ChildProcess
  /** Stops anvil with SIGTERM (it dumps `--state` on the way out) and waits for it to exit. */
  stop(): Promise<void>
}

const platformArch: Record<string, string> = { x64: 'amd64', arm64: 'arm64' }

/** Absolute path of the anvil binary inside the installed platform package. */
export function resolveAnvilBinary(): string {
  const arch = platformArch[process.arch]
  if (!arch) throw new BaseError(`anvil has no binary for ${process.platform}/${process.arch}.`)
  const name = `@foundry-rs/anvil-${process.platform}-${arch}`
  const require = createRequire(import.meta.url)
  try {
    const pkg = require.resolve(`${name}/package.json`)
    return join(dirname(pkg), 'bin', process.platform === 'win32' ? 'anvil.exe' : 'anvil')
  } catch (cause) {
    throw new BaseError(`The anvil binary package ${name} is not installed.`, {
      cause,
      metaMessages: ['Run `npm ci` in the avskit folder (optional dependencies must not be omitted).'],
    })
  }
}

/**
 * Spawns anvil and resolves once it listens.
 *
 * @example
 * const anvil = await startAnvil({ chainId: 31337 })
 * // … use anvil.rpcUrl …
 * await anvil.stop()
 */
export async function startAnvil(parameters: StartAnvilParameters = {}): Promise<Anvil> {
  const host = parameters.host ?? '127.0.0.1'
  const args = ['--host', host, '--port', String(parameters.port ?? 0)]
  if (parameters.chainId !== undefined) args.push('--chain-id', String(parameters.chainId))
  if (parameters.blockTime !== undefined) args.push('--block-time', String(parameters.blockTime))
  if (parameters.statePath !== undefined) args.push('--state', parameters.statePath)
  if (parameters.stateInterval !== undefined) args.push('--state-interval', String(parameters.stateInterval))
  if (parameters.accounts !== undefined) args.push('--accounts', String(parameters.accounts))
  if (parameters.args) args.push(...parameters.args)

  const child = spawn(resolveAnvilBinary(), args, { stdio: ['ignore', 'pipe', 'pipe'] })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))

  const port = await new Promise<number>((resolve, reject) => {
    let output = ''
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new BaseError('anvil did not start listening in time.', { details: output.slice(-2000) }))
    }, parameters.startTimeout ?? 15_000)
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      const match = /Listening on [^\s:]+:(\d+)/.exec(output)
      if (match) {
        clearTimeout(timer)
        child.stdout?.off('data', onData)
        // Keep draining so anvil never blocks on a full pipe.
        child.stdout?.resume()
        resolve(Number(match[1]))
      }
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString()
    })
    child.once('error', (cause) => {
      clearTimeout(timer)
      reject(new BaseError('anvil could not be started.', { cause }))
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new BaseError(`anvil exited with code ${code} before listening.`, { details: output.slice(-2000) }))
    })
  })
  child.stderr?.resume()

  let stopping: Promise<void> | undefined
  return {
    rpcUrl: `http://${host}:${port}`,
    host,
    port,
    process: child,
    stop() {
      stopping ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return
        child.kill('SIGTERM')
        const timeout = setTimeout(() => child.kill('SIGKILL'), 10_000)
        await exited
        clearTimeout(timeout)
      })()
      return stopping
    },
  }
}
