/**
 * Liveness and alerts end to end: a real pinger goes quiet, the pool shows it stale then offline, one alert per
 * transition reaches a webhook, a Telegram Bot API server and an SMTP server (each a local server speaking the real
 * protocol), failed deliveries are retried until delivered, and nothing secret reaches the logs.
 */
import { Writable } from 'node:stream'
import { afterEach, describe, expect, test } from 'vitest'
import { createLogger } from '../../src/core/logger.js'
import { type CheckinPinger, createCheckinPinger, type PoolAlertOptions } from '../../src/pool/index.js'
import { createPoolRepository } from '../../src/store/index.js'
import { useDatabase } from '../database.js'
import {
  type SmtpServer,
  startSmtpServer,
  startTelegramServer,
  startWebhookServer,
  type TelegramServer,
  type WebhookServer,
} from './alertServers.js'
import { eventually, startTestPool, type TestOperator, type TestPool, usePoolNetwork } from './harness.js'

const botToken = '123456:AAHsecretBotToken-xyz'
const smtpPassword = 'smtp-pa55word!'
const webhookPath = '/hooks/T0001/B0002/webhook-secret-path'

/** The message with folded header lines joined (RFC 5322 §2.2.3). */
const unfold = (raw: string) => raw.replace(/\r\n[ \t]+/g, ' ')

function captureLogs() {
  const lines: string[] = []
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(String(chunk))
      callback()
    },
  })
  return { logger: createLogger({ level: 'debug', format: 'json', destination }), text: () => lines.join('') }
}

describe('pool liveness and alerts', () => {
  const network = usePoolNetwork(2)
  const ctx = useDatabase()
  const cleanups: (() => Promise<void> | void)[] = []
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  })

  async function alertServers() {
    const webhook = await startWebhookServer(webhookPath)
    const telegram = await startTelegramServer(botToken)
    const smtp = await startSmtpServer('alerts', smtpPassword)
    cleanups.push(
      () => webhook.close(),
      () => telegram.close(),
      () => smtp.close(),
    )
    const alerts: PoolAlertOptions = {
      webhookUrl: `${webhook.url}${webhookPath}`,
      telegram: { botToken, chatId: '-100200300', apiUrl: telegram.url },
      email: { smtpUrl: smtp.url, from: 'pool@avs.example', to: ['oncall@avs.example', 'ops@avs.example'] },
      retryBaseMs: 200,
    }
    return { webhook, telegram, smtp, alerts }
  }

  function pinger(pool: TestPool, operator: TestOperator, logger = createLogger({ level: 'silent' })): CheckinPinger {
    const controller = new AbortController()
    const instance = createCheckinPinger({
      aggregatorAddress: pool.grpcAddress,
      privateKey: operator.privateKey,
      version: 'v2.0.0',
      logger,
      pingIntervalMs: 1_000,
      status: () => ({ blockNumber: 42, eventCount: 3 }),
    })
    const loop = instance.run(controller.signal)
    const stop = async () => {
      controller.abort()
      await loop
    }
    cleanups.push(stop)
    return Object.assign(instance, { stop })
  }

  const statusOf = async (pool: TestPool, address: string) => {
    const { data } = (await (await fetch(`${pool.httpUrl}/operator`)).json()) as {
      data: { address: string; status: string }[]
    }
    return data.find((o) => o.address === address)?.status
  }

  const kinds = (webhook: WebhookServer, telegram: TelegramServer, smtp: SmtpServer) => ({
    webhook: webhook.received.map((body) => (body as { event: string }).event),
    telegram: telegram.messages.map((m) => (m.text.includes('is offline') ? 'offline' : 'recovered')),
    email: smtp.messages.map((m) =>
      /Subject: \[avskit\] Operator 0x[0-9a-fA-F]{40} is offline/.test(unfold(m.raw)) ? 'offline' : 'recovered',
    ),
  })

  test('an operator going quiet turns stale then offline, fires one alert per channel, and one recovery alert when it returns', async () => {
    const { webhook, telegram, smtp, alerts } = await alertServers()
    const logs = captureLogs()
    const pool = await startTestPool({
      network,
      database: ctx.database,
      logger: logs.logger,
      pingIntervalMs: 1_000,
      offlineAfterMs: 4_500,
      alerts,
    })
    cleanups.push(() => pool.stop())
    const [quiet, steady] = network.operators as [TestOperator, TestOperator]
    // The webhook fails twice before it accepts: the offline alert is retried until delivered.
    webhook.failNext(2)
    const quietPinger = pinger(pool, quiet) as CheckinPinger & { stop(): Promise<void> }
    pinger(pool, steady)
    await eventually(async () => (await statusOf(pool, quiet.address)) === 'online')
    await eventually(async () => (await statusOf(pool, steady.address)) === 'online')

    await quietPinger.stop()
    const quietAt = Date.now()
    await eventually(async () => (await statusOf(pool, quiet.address)) === 'stale')
    expect(Date.now() - quietAt).toBeGreaterThan(1_500)
    expect(kinds(webhook, telegram, smtp)).toEqual({ webhook: [], telegram: [], email: [] })
    await eventually(async () => (await statusOf(pool, quiet.address)) === 'offline')
    await eventually(
      () => webhook.received.length === 1 && telegram.messages.length === 1 && smtp.messages.length === 1,
    )
    expect(webhook.attempts).toBe(3)
    expect(await statusOf(pool, steady.address)).toBe('online')

    const offline = webhook.received[0] as Record<string, unknown>
    expect(offline).toEqual({
      event: 'operator.offline',
      at: expect.any(String),
      text: expect.stringMatching(
        new RegExp(`^Operator ${quiet.address} is offline: no check-in for [45]s \\(last at `),
      ),
      operator: {
        address: quiet.address,
        operatorId: quiet.operatorId,
        version: 'v2.0.0',
        lastCheckinAt: expect.any(String),
        blockNumber: 42,
        eventCount: 3,
        peerAddress: expect.stringMatching(/^127\.0\.0\.1:\d+$/),
        explorerUrl: null,
        eigenlayerUrl: null,
      },
    })
    expect(telegram.messages[0]).toEqual({ chat_id: '-100200300', text: offline.text, disable_web_page_preview: true })
    expect(smtp.messages[0]?.to).toEqual(['oncall@avs.example', 'ops@avs.example'])
    expect(smtp.messages[0]?.from).toBe('pool@avs.example')
    expect(unfold(smtp.messages[0]?.raw ?? '')).toContain(`Subject: [avskit] Operator ${quiet.address} is offline`)

    // It comes back: one recovery alert per channel.
    pinger(pool, quiet)
    await eventually(async () => (await statusOf(pool, quiet.address)) === 'online')
    await eventually(
      () => webhook.received.length === 2 && telegram.messages.length === 2 && smtp.messages.length === 2,
    )
    const recovered = webhook.received[1] as { event: string; text: string; operator: { offlineSince: string } }
    expect(recovered.event).toBe('operator.recovered')
    expect(recovered.text).toMatch(new RegExp(`^Operator ${quiet.address} is back online after \\d+s offline`))
    expect(recovered.operator.offlineSince).toEqual(expect.any(String))

    // Nothing more arrives: one alert per transition.
    await new Promise((resolve) => setTimeout(resolve, 1_500))
    expect(kinds(webhook, telegram, smtp)).toEqual({
      webhook: ['operator.offline', 'operator.recovered'],
      telegram: ['offline', 'recovered'],
      email: ['offline', 'recovered'],
    })
    const stored = await createPoolRepository(ctx.database.db).listAlerts()
    expect(stored.map((a) => [a.kind, a.channel, a.deliveredAt !== null])).toEqual([
      ['offline', 'webhook', true],
      ['offline', 'telegram', true],
      ['offline', 'email', true],
      ['recovered', 'webhook', true],
      ['recovered', 'telegram', true],
      ['recovered', 'email', true],
    ])
    expect(stored[0]?.attempts).toBe(3)
    const metrics = await (await fetch(`${pool.httpUrl}/metrics`)).text()
    expect(metrics).toContain('avskit_pool_alerts_total{channel="webhook",kind="offline",outcome="failed"} 2')
    expect(metrics).toContain('avskit_pool_alerts_total{channel="email",kind="recovered",outcome="delivered"} 1')

    const logText = logs.text()
    expect(logText).toContain('alert delivery over webhook failed')
    expect(logText).toContain('webhook answered HTTP 500')
    for (const secret of [
      botToken,
      smtpPassword,
      encodeURIComponent(smtpPassword),
      webhookPath,
      'webhook-secret-path',
    ]) {
      expect(logText).not.toContain(secret)
    }
  })

  test('an alert not yet delivered when the aggregator stops is delivered after a restart, once', async () => {
    const { webhook, alerts } = await alertServers()
    const only: PoolAlertOptions = { webhookUrl: alerts.webhookUrl, retryBaseMs: 200 }
    const first = await startTestPool({
      network,
      database: ctx.database,
      pingIntervalMs: 1_000,
      offlineAfterMs: 3_500,
      alerts: only,
    })
    const [quiet] = network.operators as [TestOperator]
    webhook.failNext(1_000_000)
    const quietPinger = pinger(first, quiet) as CheckinPinger & { stop(): Promise<void> }
    await eventually(async () => (await statusOf(first, quiet.address)) === 'online')
    await quietPinger.stop()
    await eventually(() => webhook.attempts >= 2)
    await first.stop()
    expect(webhook.received).toEqual([])

    webhook.failNext(0)
    const second = await startTestPool({
      network,
      database: ctx.database,
      pingIntervalMs: 1_000,
      offlineAfterMs: 3_500,
      alerts: only,
    })
    cleanups.push(() => second.stop())
    await eventually(() => webhook.received.length === 1, 20_000)
    await new Promise((resolve) => setTimeout(resolve, 1_000))
    expect(webhook.received.map((body) => (body as { event: string }).event)).toEqual(['operator.offline'])
  })

  test('a Telegram API that refuses the bot token keeps the alert queued and never logs the token', async () => {
    const telegram = await startTelegramServer('999:other-token')
    cleanups.push(() => telegram.close())
    const logs = captureLogs()
    const pool = await startTestPool({
      network,
      database: ctx.database,
      logger: logs.logger,
      pingIntervalMs: 1_000,
      offlineAfterMs: 3_500,
      alerts: { telegram: { botToken, chatId: '42', apiUrl: telegram.url }, retryBaseMs: 200 },
    })
    cleanups.push(() => pool.stop())
    const [quiet] = network.operators as [TestOperator]
    const quietPinger = pinger(pool, quiet) as CheckinPinger & { stop(): Promise<void> }
    await eventually(async () => (await statusOf(pool, quiet.address)) === 'online')
    await quietPinger.stop()
    const repository = createPoolRepository(ctx.database.db)
    const [alert] = await eventually(async () => {
      const alerts = await repository.listAlerts()
      return alerts.length === 1 && (alerts[0]?.attempts ?? 0) >= 2 ? alerts : undefined
    })
    expect(alert?.deliveredAt).toBeNull()
    expect(alert?.lastError).toBe('Telegram sendMessage answered HTTP 401: Unauthorized')
    expect(telegram.messages).toEqual([])
    expect(logs.text()).toContain('Telegram sendMessage answered HTTP 401')
    expect(logs.text()).not.toContain(botToken)
  })
})
