/**
 * The dashboard in a real browser (playwright-core driving Debian's chromium): every devnet operator listed, a row
 * turning stale without a reload when its operator goes quiet, sorting, and an operator-supplied `<script>` in the
 * version shown as text, live and server-rendered, with nothing executed.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Browser, chromium, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { createLogger } from '../../src/core/logger.js'
import { readEcdsaKeystoreFile, resolvePassword } from '../../src/crypto/index.js'
import { type Devnet, startDevnet } from '../../src/devnet/startDevnet.js'
import { createCheckinPinger } from '../../src/pool/index.js'

// The page's globals, for the functions that run inside the browser (this project's lib has no DOM types).
declare const window: Record<string, unknown>
declare const document: {
  querySelector(selector: string): { textContent: string | null } | null
  querySelectorAll(selector: string): { length: number }
}

const hostile = '<script>window.__pwned=1</script><img src=x onerror=__pwned=2>'

describe('/telemetry in a browser', () => {
  let dataDir: string
  let devnet: Devnet
  let browser: Browser
  let page: Page
  const problems: string[] = []

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'avskit-telemetry-'))
    devnet = await startDevnet({
      dataDir,
      operators: 4,
      quorums: 2,
      port: 0,
      blockTime: 0,
      logger: createLogger({ level: 'silent' }),
      pool: { pingIntervalMs: 1_000, offlineAfterMs: 120_000 },
    })
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    })
    page = await browser.newPage()
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text())
    })
    page.on('pageerror', (error) => problems.push(error.message))
  })

  afterAll(async () => {
    await browser?.close()
    await devnet?.stop()
    rmSync(dataDir, { recursive: true, force: true })
  })

  const rowOf = (address: string) => page.locator(`tr[data-address="${address}"]`)

  test('lists every devnet operator online, from the URL the devnet summary gives', async () => {
    const dashboard = devnet.summary.services.dashboard as string
    expect(dashboard).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/telemetry$/)
    await page.goto(dashboard)
    await page.locator('#connection.live').waitFor({ timeout: 15_000 })
    for (const operator of devnet.summary.operators) {
      await rowOf(operator.address).and(page.locator('[data-status="online"]')).waitFor({ timeout: 15_000 })
    }
    expect(await page.locator('#operators tr').count()).toBe(4)
    expect(await page.locator('#counts').textContent()).toBe('4 operators: 4 online, 0 stale, 0 offline')
    const first = rowOf(devnet.summary.operators[0]?.address as string)
    expect(await first.locator('[data-cell="version"]').textContent()).toMatch(/^avskit\/\d+\.\d+\.\d+$/)
    // A local chain has no explorer: the address is text, not a link.
    expect(await first.locator('a').count()).toBe(0)
    expect(problems).toEqual([])
  })

  test('turns a quiet operator stale without reloading the page', async () => {
    await page.evaluate(() => {
      window.loadedOnce = true
    })
    const quiet = devnet.pool?.pingers[1]
    await quiet?.stop()
    const row = rowOf(quiet?.operator as string)
    await row.and(page.locator('[data-status="stale"]')).waitFor({ timeout: 15_000 })
    expect(await row.locator('.status').textContent()).toBe('stale')
    const seen = await row.locator('[data-cell="lastSeen"]').textContent()
    expect(seen).toMatch(/^[3-9]s ago$/)
    await page.waitForFunction(
      ([address, before]) =>
        document.querySelector(`tr[data-address="${address}"] [data-cell="lastSeen"]`)?.textContent !== before,
      [quiet?.operator as string, seen] as const,
      { timeout: 5_000 },
    )
    expect(await page.evaluate(() => window.loadedOnce)).toBe(true)
    expect(await page.locator('#counts').textContent()).toBe('4 operators: 3 online, 1 stale, 0 offline')
  })

  test('sorts by a column when its header is clicked', async () => {
    const statuses = () =>
      page.locator('#operators tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-status')))
    const addresses = () =>
      page.locator('#operators tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-address') as string))
    await page.locator('th[data-sort="status"]').click()
    expect(await statuses()).toEqual(['online', 'online', 'online', 'stale'])
    await page.locator('th[data-sort="status"]').click()
    expect(await statuses()).toEqual(['stale', 'online', 'online', 'online'])
    expect(await page.locator('th[data-sort="status"]').getAttribute('aria-sort')).toBe('descending')
    await page.locator('th[data-sort="address"]').click()
    const ascending = await addresses()
    expect(ascending).toEqual([...ascending].sort())
    await page.locator('th[data-sort="address"]').click()
    expect(await addresses()).toEqual([...ascending].reverse())
  })

  test('shows an operator-supplied <script> in the version as text, live and after a reload', async () => {
    const target = devnet.pool?.pingers[2]
    await target?.stop()
    const operator = devnet.summary.operators[2]
    if (!operator || !target) throw new Error('devnet has too few operators')
    const password = await resolvePassword({ label: 'test', file: operator.passwordFile })
    const { privateKey } = await readEcdsaKeystoreFile(operator.ecdsaKeystore, password)
    const hostilePinger = createCheckinPinger({
      aggregatorAddress: devnet.pool?.aggregator.grpcAddress as string,
      privateKey,
      version: hostile,
      logger: createLogger({ level: 'silent' }),
    })
    await new Promise((resolve) => setTimeout(resolve, 1_100))
    await hostilePinger.pingOnce()
    hostilePinger.close()

    const version = rowOf(operator.address).locator('[data-cell="version"]')
    await page.waitForFunction(
      ([address, text]) =>
        document.querySelector(`tr[data-address="${address}"] [data-cell="version"]`)?.textContent === text,
      [operator.address, hostile] as const,
      { timeout: 10_000 },
    )
    const injected = () =>
      page.evaluate(() => ({
        pwned: window.__pwned,
        scripts: document.querySelectorAll('tbody script').length,
        images: document.querySelectorAll('img').length,
      }))
    expect(await injected()).toEqual({ pwned: undefined, scripts: 0, images: 0 })

    await page.reload()
    await page.locator('#connection.live').waitFor({ timeout: 15_000 })
    expect(await version.textContent()).toBe(hostile)
    expect(await injected()).toEqual({ pwned: undefined, scripts: 0, images: 0 })
    const html = await (await fetch(devnet.summary.services.dashboard as string)).text()
    expect(html).toContain('&lt;script&gt;window.__pwned=1&lt;/script&gt;&lt;img src=x onerror=__pwned=2&gt;')
    expect(html).not.toContain(hostile)
    expect(problems).toEqual([])
  })
})
