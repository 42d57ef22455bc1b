/**
 * Two `avskit exporter` processes on one PostgreSQL database: one holds the writer lock and indexes, both serve.
 * `kill -9` of the writer while the chain keeps changing: the other takes over within seconds, and no event is
 * missed or indexed twice. (PostgreSQL only: PGlite is one process's database.)
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { openTestDatabase, testDatabaseKind } from '../database.js'
import { connectTestClient } from '../webSocketClient.js'
import { type ExporterProcess, startExporterProcess } from './exporterProcess.js'
import { type RegistryChain, startRegistryChain } from './registryChain.js'

describe.runIf(testDatabaseKind === 'postgres')('exporter replicas on PostgreSQL', () => {
  let chain: RegistryChain
  const processes: ExporterProcess[] = []

  beforeAll(async () => {
    chain = await startRegistryChain()
  })
  afterAll(async () => {
    for (const running of processes) running.child.kill('SIGKILL')
    await chain?.stop()
  })

  async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string, timeoutMs = 30_000) {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const value = await read()
      if (done(value)) return value
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }

  test('the standby takes over when the writer is killed, and nothing is missed', { timeout: 180_000 }, async () => {
    const { url } = await openTestDatabase()
    const flags = [
      '--eth-http-url',
      chain.rpcUrl,
      '--registry-addr',
      chain.registry,
      '--from-block',
      chain.deploymentBlock.toString(),
      '--polling-interval',
      '200ms',
      '--database-url',
      url as string,
    ]
    await chain.addOperators(5, 1)
    const first = await startExporterProcess(flags)
    processes.push(first)
    await first.waitReady()
    const second = await startExporterProcess(flags)
    processes.push(second)
    await second.waitReady()
    expect(await first.metric('avskit_exporter_is_writer')).toBe(1)
    expect(await second.metric('avskit_exporter_is_writer')).toBe(0)

    // The standby streams what the writer indexes (LISTEN/NOTIFY).
    const subscriber = await connectTestClient(second.stream)
    subscriber.send({ type: 'subscribe', cursor: 0 })

    // Events keep coming while the writer dies.
    let adding = true
    const adder = (async () => {
      let seed = 2
      while (adding) await chain.addOperators(1, seed++)
    })()
    await new Promise((resolve) => setTimeout(resolve, 1_000))
    const killedAt = Date.now()
    await first.kill()
    await waitFor(
      () => second.metric('avskit_exporter_is_writer'),
      (value) => value === 1,
      'the takeover',
    )
    const takeoverMs = Date.now() - killedAt
    await new Promise((resolve) => setTimeout(resolve, 1_000))
    adding = false
    await adder

    const onChain = Number(
      await chain.client.readContract({
        address: chain.registry,
        abi: [
          {
            type: 'function',
            name: 'lastOperatorId',
            inputs: [],
            outputs: [{ type: 'uint64' }],
            stateMutability: 'view',
          },
        ],
        functionName: 'lastOperatorId',
      }),
    )
    expect(onChain).toBeGreaterThan(7)
    const streamed = await subscriber.until(
      (m) => m.type === 'operator' && (m.data as { id: number }[])[0]?.id === onChain,
      30_000,
    )
    const client = await connectTestClient(second.query)
    const answer = await client.request({ type: 'operator', filter: { from: 0, to: 999 } })
    await client.close()
    await subscriber.close()

    const ids = (answer.data as { index: number; id: number }[]).map((o) => [o.index, o.id])
    expect(ids).toEqual(Array.from({ length: onChain }, (_, i) => [i, i + 1]))
    const streamedIds = streamed.flatMap((m) => (m.data as { id: number }[]).map((o) => o.id))
    expect(streamedIds).toEqual(Array.from({ length: onChain }, (_, i) => i + 1))
    // The lock is retried every 2 s and PostgreSQL frees a dead session's lock at once.
    expect(takeoverMs).toBeLessThan(10_000)
    expect(await second.stop()).toBe(0)
  })
})
