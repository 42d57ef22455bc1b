/**
 * `kill -9` of `avskit exporter` in the middle of a backfill of 100,000 registry events, then a restart: the
 * tables and the stream outbox end exactly as an uninterrupted run leaves them (every batch is committed with
 * its checkpoint in one transaction, and indexes are assigned from the stored rows).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { createExporterRepository, openDatabase } from '../../src/store/index.js'
import { startExporterProcess } from './exporterProcess.js'
import { type RegistryChain, startSeededRegistryChain } from './registryChain.js'

const operators = 100
const validators = 99_900

/**
 * Every exporter table and the stream, as comparable rows. The stream is every message as `/stream` serves it
 * (seq, type, key and exact text): the outbox stores runs of references whose grouping follows the batches, which
 * a restart cuts differently.
 */
async function readIndex(dataDir: string) {
  const database = await openDatabase({ dataDir })
  try {
    const rows = async (sql: string) => (await database.query(sql)).rows
    return {
      operators: await rows('select * from exporter_operators order by index'),
      validators: await rows('select * from exporter_validators order by index'),
      decided: await rows('select * from exporter_decided order by task_index'),
      blocks: await rows('select * from exporter_sync_blocks order by number'),
      stream: await createExporterRepository(database.db).readStream({ after: 0n, limit: 1_000_000 }),
    }
  } finally {
    await database.close()
  }
}

describe('exporter backfill killed with SIGKILL', () => {
  let chain: RegistryChain
  const root = mkdtempSync(join(tmpdir(), 'avskit-exporter-crash-'))

  beforeAll(async () => {
    chain = await startSeededRegistryChain({ operators, validators })
  }, 600_000)
  afterAll(async () => {
    await chain?.stop()
    rmSync(root, { recursive: true, force: true })
  })

  test('restarts from its checkpoint and ends with the tables of an uninterrupted run', {
    timeout: 600_000,
  }, async () => {
    const flags = (dataDir: string) => [
      '--eth-http-url',
      chain.rpcUrl,
      '--registry-addr',
      chain.registry,
      '--from-block',
      chain.deploymentBlock.toString(),
      '--data-dir',
      dataDir,
    ]
    const whole = join(root, 'whole')
    const uninterrupted = await startExporterProcess(flags(whole))
    await uninterrupted.waitReady(300_000)
    expect(await uninterrupted.stop()).toBe(0)

    const crashed = join(root, 'crashed')
    const first = await startExporterProcess(flags(crashed))
    // Kill it once some batches are committed, well before the end.
    const deadline = Date.now() + 300_000
    let indexed = 0
    while (indexed < 10_000) {
      indexed = (await first.metric('avskit_exporter_rows_total')) ?? 0
      if (Date.now() > deadline) throw new Error(`no progress before the kill:\n${first.stderr().slice(-2000)}`)
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    await first.kill()
    expect(indexed).toBeLessThan(operators + validators)

    const second = await startExporterProcess(flags(crashed))
    await second.waitReady(300_000)
    expect(await second.stop()).toBe(0)

    const expected = await readIndex(whole)
    const actual = await readIndex(crashed)
    expect(expected.operators).toHaveLength(operators)
    expect(expected.validators).toHaveLength(validators)
    expect(expected.stream).toHaveLength(operators + validators)
    expect(actual.operators).toEqual(expected.operators)
    expect(actual.validators.length).toBe(expected.validators.length)
    expect(actual.validators).toEqual(expected.validators)
    expect(actual.blocks).toEqual(expected.blocks)
    expect(actual.stream.length).toBe(expected.stream.length)
    expect(actual.stream).toEqual(expected.stream)
  })
})
