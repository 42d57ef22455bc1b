/** Starts the exporter API on a test database for the length of one test; clients connect to it with `ws`. */
import { onTestFinished } from 'vitest'
import { createLogger } from '../src/core/logger.js'
import { createMetrics, type Metrics } from '../src/core/metrics.js'
import { type ExporterApi, type ExporterApiLimits, startExporterApi } from '../src/exporter/api/index.js'
import type { Database } from '../src/store/index.js'
import { connectTestClient, type TestWebSocketClient } from './webSocketClient.js'

export type TestExporterApi = ExporterApi & {
  metrics: Metrics
  /** Connects to `/query` or `/stream`; closed when the test ends. */
  connect(path: '/query' | '/stream', options?: Parameters<typeof connectTestClient>[1]): Promise<TestWebSocketClient>
}

export async function startTestExporterApi(
  database: Database,
  limits: Partial<ExporterApiLimits> = {},
): Promise<TestExporterApi> {
  const metrics = createMetrics({ defaultMetrics: false })
  const api = await startExporterApi({
    database,
    address: '127.0.0.1:0',
    logger: createLogger({ level: process.env.AVSKIT_TEST_LOG_LEVEL === 'debug' ? 'debug' : 'silent' }),
    metrics,
    limits,
  })
  onTestFinished(() => api.close())
  return Object.assign(api, {
    metrics,
    async connect(path: '/query' | '/stream', options?: Parameters<typeof connectTestClient>[1]) {
      const client = await connectTestClient(`${api.wsUrl}${path}`, options)
      onTestFinished(() => client.close())
      return client
    },
  })
}
