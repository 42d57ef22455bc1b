import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterEach, describe, expect, test } from 'vitest'
import { WalCorruptError } from '../errors.js'
import type { Entry, HardState, Snapshot } from '../types.js'
import { openWalStorage } from './openWalStorage.js'
import { Wal } from './wal.js'

const dirs: string[] = []
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'avskit-wal-'))
  dirs.push(dir)
  return dir
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

function entries(from: number, count: number, term: number, size = 8): Entry[] {
  return Array.from({ length: count }, (_, i) => ({
    term,
    index: from + i,
    type: 'normal' as const,
    data: new Uint8Array(size).fill((from + i) % 251),
  }))
}

const hard = (term: number, commit: number): HardState => ({ term, vote: 'n1', commit })

function lastSegment(dir: string): string {
  const names = readdirSync(join(dir, 'wal')).sort()
  return join(dir, 'wal', names[names.length - 1] as string)
}

describe('Wal', () => {
  test('reads back hard state and entries, with later entries replacing a conflicting suffix', async () => {
    const dir = tempDir()
    const { wal } = await Wal.open(dir)
    await wal.save({ hardState: hard(1, 0), entries: entries(1, 5, 1) })
    await wal.save({ hardState: hard(2, 3), entries: entries(4, 3, 2) })
    await wal.close()
    const { contents } = await Wal.open(dir)
    expect(contents.hardState).toEqual(hard(2, 3))
    expect(contents.entries.map((e) => [e.index, e.term])).toEqual([
      [1, 1],
      [2, 1],
      [3, 1],
      [4, 2],
      [5, 2],
      [6, 2],
    ])
    expect(contents.repairedTail).toBeUndefined()
  })

  test('group commit: concurrent saves share writes and fsyncs', async () => {
    const dir = tempDir()
    const { wal } = await Wal.open(dir)
    await Promise.all(Array.from({ length: 200 }, (_, i) => wal.save({ entries: entries(i + 1, 1, 1) })))
    expect(wal.stats.syncs).toBeLessThan(20)
    expect(wal.stats.writes).toBe(wal.stats.syncs)
    await wal.close()
    const { contents, wal: reopened } = await Wal.open(dir)
    expect(contents.entries).toHaveLength(200)
    await reopened.close()
  })

  test('rolls over to new segments and deletes the ones a snapshot covers', async () => {
    const dir = tempDir()
    const { wal } = await Wal.open(dir, { segmentBytes: 4096 })
    for (let i = 0; i < 60; i++) await wal.save({ hardState: hard(1, i * 10), entries: entries(i * 10 + 1, 10, 1, 40) })
    expect(wal.stats.segments).toBeGreaterThan(5)
    const snapshot: Snapshot = {
      metadata: { index: 450, term: 1, confState: { voters: ['n1', 'n2'], learners: ['n3'] } },
      data: new Uint8Array([1, 2, 3]),
    }
    await wal.saveSnapshot(snapshot)
    expect(wal.stats.segments).toBeLessThan(6)
    await wal.close()
    const { storage, contents, wal: reopened } = await openWalStorage(dir)
    expect(contents.snapshot).toEqual(snapshot)
    expect(storage.firstIndex()).toBe(451)
    expect(storage.lastIndex()).toBe(600)
    expect(storage.entries(451, 601, Number.POSITIVE_INFINITY).map((e) => e.index)).toEqual(
      Array.from({ length: 150 }, (_, i) => 451 + i),
    )
    expect(storage.getHardState().commit).toBe(590)
    await reopened.close()
  })

  test('a snapshot installed from the leader replaces the log', async () => {
    const dir = tempDir()
    const { wal } = await Wal.open(dir)
    await wal.save({ hardState: hard(1, 2), entries: entries(1, 5, 1) })
    const snapshot: Snapshot = {
      metadata: { index: 9, term: 3, confState: { voters: ['n1'], learners: [] } },
      data: new Uint8Array([7]),
    }
    await wal.save({ hardState: hard(3, 9), entries: [], snapshot })
    await wal.save({ entries: entries(10, 2, 3) })
    await wal.close()
    const { contents, wal: reopened } = await Wal.open(dir)
    expect(contents.snapshot.metadata.index).toBe(9)
    expect(contents.entries.map((e) => e.index)).toEqual([10, 11])
    expect(contents.hardState).toEqual(hard(3, 9))
    await reopened.close()
  })

  test('a corrupt record before the last segment refuses to open rather than losing data', async () => {
    const dir = tempDir()
    const { wal } = await Wal.open(dir, { segmentBytes: 1024 })
    for (let i = 0; i < 20; i++) await wal.save({ entries: entries(i * 5 + 1, 5, 1, 30) })
    await wal.close()
    const first = join(dir, 'wal', readdirSync(join(dir, 'wal')).sort()[0] as string)
    const bytes = readFileSync(first)
    bytes.writeUInt8((bytes.readUInt8(bytes.length - 5) ^ 0xff) & 0xff, bytes.length - 5)
    writeFileSync(first, bytes)
    await expect(Wal.open(dir)).rejects.toThrow(WalCorruptError)
  })

  test('a missing snapshot file is reported, not ignored', async () => {
    const dir = tempDir()
    const { wal } = await Wal.open(dir)
    await wal.save({ entries: entries(1, 5, 1) })
    await wal.saveSnapshot({
      metadata: { index: 3, term: 1, confState: { voters: ['n1'], learners: [] } },
      data: new Uint8Array(),
    })
    await wal.close()
    for (const name of readdirSync(join(dir, 'snap'))) rmSync(join(dir, 'snap', name))
    await expect(Wal.open(dir)).rejects.toThrow(/snapshot file .* is missing/)
  })
})

describe('Wal torn-tail recovery', () => {
  test('a crash mid-write (the last segment cut at any offset, or its tail garbled) loses only the unfinished record', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 12 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.boolean(),
        async (batchSizes, cutAt, garble) => {
          const dir = tempDir()
          const { wal } = await Wal.open(dir)
          const ends: number[] = []
          let next = 1
          for (const [term, size] of batchSizes.entries()) {
            await wal.save({ hardState: hard(term + 1, next - 1), entries: entries(next, size, term + 1) })
            next += size
            ends.push(next - 1)
          }
          await wal.close()
          const path = lastSegment(dir)
          const full = statSync(path).size
          const offset = Math.floor(cutAt * full)
          if (garble && offset < full) {
            const bytes = readFileSync(path)
            bytes.writeUInt8(bytes.readUInt8(offset) ^ 0x5a, offset)
            writeFileSync(path, bytes)
          } else {
            truncateSync(path, offset)
          }
          const { contents, wal: reopened } = await Wal.open(dir)
          await reopened.close()
          // Bytes were dropped exactly when the cut or the garbled byte fell inside a record.
          const garbled = garble && offset < full
          expect(contents.repairedTail !== undefined).toBe(statSync(path).size < (garbled ? offset + 1 : offset))
          // What survives is exactly a prefix of the batches: whole batches, never part of one.
          const last = contents.entries.at(-1)?.index ?? 0
          expect([0, ...ends]).toContain(last)
          const batches = ends.indexOf(last) + 1
          expect(contents.hardState.term).toBe(batches)
          // And the WAL keeps working after the repair.
          const again = await Wal.open(dir)
          await again.wal.save({ entries: entries(last + 1, 1, 99) })
          await again.wal.close()
          expect((await Wal.open(dir)).contents.entries.at(-1)?.index).toBe(last + 1)
        },
      ),
      { numRuns: 40 },
    )
  })

  test('a process killed with SIGKILL while writing keeps every acknowledged batch', async () => {
    const dir = tempDir()
    const script = join(dir, 'writer.mts')
    writeFileSync(
      script,
      `import { Wal } from ${JSON.stringify(join(import.meta.dirname, 'wal.ts'))}
const { wal } = await Wal.open(process.argv[2])
for (let i = 1; ; i++) {
  await wal.save({ hardState: { term: 1, vote: '', commit: 0 }, entries: [{ term: 1, index: i, type: 'normal', data: new Uint8Array(100 + (i % 400)) }] })
  process.stdout.write(i + '\\n')
}
`,
    )
    let acknowledged = 0
    try {
      execFileSync(process.execPath, ['--import', 'tsx', script, join(dir, 'data')], {
        timeout: 1500,
        killSignal: 'SIGKILL',
        maxBuffer: 64 * 1024 * 1024,
      })
    } catch (error) {
      const out = String((error as { stdout?: Buffer }).stdout ?? '')
      acknowledged = Number(out.trim().split('\n').filter(Boolean).at(-1) ?? 0)
    }
    expect(acknowledged).toBeGreaterThan(10)
    const { contents, wal } = await Wal.open(join(dir, 'data'))
    await wal.close()
    expect(contents.entries.length).toBeGreaterThanOrEqual(acknowledged)
    expect(contents.entries.map((e) => e.index)).toEqual(
      Array.from({ length: contents.entries.length }, (_, i) => i + 1),
    )
  })
})
