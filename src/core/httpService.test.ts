import { afterEach, describe, expect, test } from 'vitest'
import { createHttpService, type HttpService, parseHostPort } from './httpService.js'
import { createLogger } from './logger.js'
import { createMetrics } from './metrics.js'

const logger = createLogger({ level: 'silent' })

describe('createHttpService', () => {
  let service: HttpService | undefined
  afterEach(async () => {
    await service?.close()
  })

  test('serves /health, /metrics and /ready with the readiness reason', async () => {
    let ready = false
    service = createHttpService({
      address: '127.0.0.1:0',
      logger,
      metrics: createMetrics(),
      readiness: () => (ready ? { ready: true } : { ready: false, reason: 'backfilling' }),
    })
    const url = await service.listen()
    expect(await (await fetch(`${url}/health`)).json()).toEqual({ status: 'ok' })
    const notReady = await fetch(`${url}/ready`)
    expect(notReady.status).toBe(503)
    expect(await notReady.json()).toEqual({ status: 'not ready', reason: 'backfilling' })
    ready = true
    expect((await fetch(`${url}/ready`)).status).toBe(200)
    const metrics = await (await fetch(`${url}/metrics`)).text()
    expect(metrics).toContain('avskit_process_cpu_seconds_total')
  })
})

describe('parseHostPort', () => {
  test('accepts host:port and bracketed IPv6', () => {
    expect(parseHostPort('127.0.0.1:8080', '--http-addr')).toEqual({ host: '127.0.0.1', port: 8080 })
    expect(parseHostPort('[::1]:0', '--http-addr')).toEqual({ host: '::1', port: 0 })
  })

  test('names the flag when the address is malformed', () => {
    expect(() => parseHostPort('8080', '--http-addr')).toThrowError(/Invalid --http-addr: expected host:port/)
    expect(() => parseHostPort('h:99999', '--http-addr')).toThrowError(/Invalid --http-addr/)
  })
})
