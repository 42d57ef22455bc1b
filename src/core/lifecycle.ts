/**
 * Start/stop for long-running services. One `Shutdown` per process: it owns the AbortSignal every service
 * watches, runs cleanup callbacks in reverse registration order (last started, first stopped), and turns
 * SIGINT/SIGTERM into a graceful stop. A second signal while stopping exits at once.
 */
import type { Logger } from './logger.js'

export type Shutdown = {
  /** Aborted when shutdown begins. */
  signal: AbortSignal
  /** Registers a cleanup step; steps run in reverse order of registration. */
  add(name: string, stop: () => Promise<void> | void): void
  /** Begins shutdown (idempotent) and resolves when every step has run. */
  shutdown(reason: string): Promise<void>
  /** Resolves when shutdown has completed. */
  done: Promise<void>
}

export type CreateShutdownParameters = {
  logger: Logger
  /** Install SIGINT/SIGTERM handlers (the CLI does; tests do not). */
  handleSignals?: boolean
  /** Milliseconds a single cleanup step may take before it is abandoned. */
  stepTimeout?: number
}

export function createShutdown(parameters: CreateShutdownParameters): Shutdown {
  const { logger } = parameters
  const controller = new AbortController()
  const steps: { name: string; stop: () => Promise<void> | void }[] = []
  let finish: () => void = () => {}
  const done = new Promise<void>((resolve) => {
    finish = resolve
  })
  let running: Promise<void> | undefined

  const onSignal = (signal: NodeJS.Signals) => {
    if (running) {
      logger.warn({ signal }, 'second signal while stopping: exiting now')
      process.exit(130)
    }
    void shutdown(signal)
  }
  if (parameters.handleSignals) {
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
  }

  function shutdown(reason: string): Promise<void> {
    running ??= (async () => {
      logger.info({ reason }, 'shutting down')
      controller.abort(new Error(`shutdown: ${reason}`))
      for (const step of steps.reverse()) {
        const started = Date.now()
        try {
          await withTimeout(Promise.resolve(step.stop()), parameters.stepTimeout ?? 30_000, step.name)
          logger.debug({ step: step.name, ms: Date.now() - started }, 'stopped')
        } catch (error) {
          logger.error({ step: step.name, err: error }, 'failed to stop cleanly')
        }
      }
      if (parameters.handleSignals) {
        process.off('SIGINT', onSignal)
        process.off('SIGTERM', onSignal)
      }
      finish()
    })()
    return running
  }

  return {
    signal: controller.signal,
    add(name, stop) {
      if (running) throw new Error(`cannot register "${name}": shutdown already started`)
      steps.push({ name, stop })
    },
    shutdown,
    done,
  }
}

async function withTimeout<T>(promise: Promise<T>, ms: number, name: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${name} did not stop within ${ms} ms`)), ms)
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}
