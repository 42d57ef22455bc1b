import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { DatabaseInUseError, DatabaseMigrationError } from './databaseErrors.js'
import { createKvRepository } from './kvRepository.js'
import { openDatabase } from './openDatabase.js'

// PGlite on disk, whatever DATABASE_URL says: each new folder runs initdb (2–3 s), so these few tests share it.
describe('openDatabase with a data folder (PGlite on disk)', () => {
  let dataDir: string
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'avskit-store-'))
  })
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true })
  })

  test('keeps data across close and reopen, in <dataDir>/pglite', async () => {
    const first = await openDatabase({ dataDir })
    expect(first.kind).toBe('pglite')
    expect(first.description).toBe(`PGlite in ${join(dataDir, 'pglite')}`)
    await createKvRepository(first.db).set('persisted', { ok: true })
    await first.close()
    expect(await readdir(dataDir)).toEqual(['pglite'])

    const second = await openDatabase({ dataDir })
    expect(await createKvRepository(second.db).get('persisted')).toEqual({ ok: true })
    await second.close()
  })

  test('refuses a second open of the same folder while the first is open', async () => {
    const first = await openDatabase({ dataDir })
    try {
      const error = await openDatabase({ dataDir }).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(DatabaseInUseError)
      expect((error as Error).message).toContain('already open in this process')
    } finally {
      await first.close()
    }
  })

  test('refuses a folder locked by another live process, and takes over a dead one', async () => {
    const lock = `${join(dataDir, 'pglite')}.lock`
    await writeFile(lock, `${process.ppid}\n`)
    const error = await openDatabase({ dataDir }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(DatabaseInUseError)
    expect((error as Error).message).toContain(`is in use by process ${process.ppid}`)

    await writeFile(lock, '2147483646\n')
    const database = await openDatabase({ dataDir })
    await database.close()
  })

  test('a failing migration is a DatabaseMigrationError', async () => {
    const folder = join(dataDir, 'conflict')
    await mkdir(folder)
    const raw = await PGlite.create({ dataDir: join(folder, 'pglite') })
    await raw.exec('create table kv (unrelated int)')
    await raw.close()
    const error = await openDatabase({ dataDir: folder }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(DatabaseMigrationError)
    expect((error as Error).message).toContain('relation "kv" already exists')
    // The folder is unlocked again after the failure.
    await expect(openDatabase({ dataDir: folder })).rejects.toThrow(DatabaseMigrationError)
  })
})
