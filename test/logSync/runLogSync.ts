/**
 * Starts a log sync for a test with its own metrics and a logger whose lines the test can read, and helpers to
 * wait for what it should reach.
 */
import { Writable } from 'node:stream'
import { type LogSync, type SyncLogsParameters, startLogSync } from '../../src/chain/logSync/index.js'
import { createLogger } from '../../src/core/logger.js'
import { createMetrics, type Metrics } from '../../src/core/metrics.js'

export type LogLine = { level: number; msg: string; [key: string]: unknown }

export type RunningLogSync = {
  sync: LogSync
  controller: AbortController
  metrics: Metrics
  lines: LogLine[]
  /** Aborts and waits until the sync has stopped. */
  stop(): Promise<void>
}

export function runLogSync(
  parameters: Omit<SyncLogsParameters, 'name' | 'signal' | 'logger' | 'metrics'> & { name?: string },
): RunningLogSync {
  const controller = new AbortController()
  const metrics = createMetrics({ defaultMetrics: false })
  const lines: LogLine[] = []
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(JSON.parse(String(chunk)))
      callback()
    },
  })
  const logger = createLogger({ level: 'debug', format: 'json', destination })
  const sync = startLogSync({ name: 'test', ...parameters, signal: controller.signal, logger, metrics })
  return {
    sync,
    controller,
    metrics,
    lines,
    async stop() {
      controller.abort()
      await sync.done
    },
  }
}

/** Polls `condition` every 20 ms until it holds; fails with `what` after `timeoutMs`. */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/** The value of a counter or gauge of the `sync` label `test`. */
export async function metricValue(
  metric: { get(): Promise<{ values: { value: number; labels: Record<string, unknown> }[] }> },
  sync = 'test',
): Promise<number> {
  const { values } = await metric.get()
  return values.find((value) => value.labels.sync === sync)?.value ?? 0
}
