/**
 * The exporter's validator COPY: 100,000 rows in 20 COPYs of 5,000, each in its own transaction, into a migrated
 * PGlite on disk (in this thread), with the table's indexes, in COPY's binary format (`validatorsCopyBinary`, what
 * the exporter sends) against COPY's text format (the baseline, written here: one tab-separated line a row, the
 * operator ids as an array literal).
 *
 *     node --import tsx bench/exporterCopy.bench.ts
 *
 * Rounds alternate (`EXPORTER_COPY_BENCH_ROUNDS`, default 7), each on a fresh database. Reported per format: the
 * median time in PGlite (the COPY statements) and the median time to encode the rows, and their ratio to text.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import type { NewValidatorRow } from '../src/store/exporterInsertStatements.js'
import { validatorCopyColumns, validatorsCopyBinary } from '../src/store/exporterInsertStatements.js'
import { migratePgliteDatabase } from '../src/store/migrateDatabase.js'
import { runOnce } from './runOnce.js'

const ROWS = 100_000
const BATCH = 5_000
const ROUNDS = Number(process.env.EXPORTER_COPY_BENCH_ROUNDS ?? 7)

type Format = 'text' | 'binary'

const hex = (n: number, digits: number) => `0x${n.toString(16).padStart(digits, '0')}`

/** Rows shaped as the exporter's: 98-character keys, 4 operator ids, nothing removed. */
function validatorRows(): NewValidatorRow[][] {
  const batches: NewValidatorRow[][] = []
  for (let first = 0; first < ROWS; first += BATCH) {
    const rows: NewValidatorRow[] = []
    for (let i = first; i < first + BATCH; i++) {
      rows.push({
        index: i,
        publicKey: hex(i * 7919, 96),
        owner: hex(i % 100, 40),
        operatorIds: [1 + (i % 13), 20 + (i % 17), 40 + (i % 19), 60 + (i % 23)].map(String),
        addedBlock: 100 + Math.floor(i / 500),
        addedTransaction: hex(i * 31, 64),
        addedLogIndex: i % 500,
        addedSeq: i + 101,
        removedBlock: null,
        removedTransaction: null,
        removedLogIndex: null,
        removedSeq: null,
      })
    }
    batches.push(rows)
  }
  return batches
}

/** The baseline: COPY's text format (every value here is plain: no escapes needed). */
function validatorsCopyText(rows: readonly NewValidatorRow[]): Uint8Array {
  let text = ''
  for (const r of rows) {
    text += `${r.index}\t${r.publicKey}\t${r.owner}\t{${r.operatorIds.join(',')}}\t${r.addedBlock}\t${r.addedTransaction}\t${r.addedLogIndex}\t${r.addedSeq}\t\\N\t\\N\t\\N\t\\N\n`
  }
  return Buffer.from(text)
}

async function round(format: Format, batches: NewValidatorRow[][]): Promise<{ copyMs: number; encodeMs: number }> {
  const folder = mkdtempSync(join(tmpdir(), 'avskit-copy-bench-'))
  const pg = await PGlite.create({ dataDir: folder })
  try {
    await migratePgliteDatabase(pg)
    let copyMs = 0
    let encodeMs = 0
    for (const [i, rows] of batches.entries()) {
      const encodeStarted = performance.now()
      const bytes = format === 'binary' ? validatorsCopyBinary(rows) : validatorsCopyText(rows)
      encodeMs += performance.now() - encodeStarted
      // As the exporter's PGlite thread does: a file in PGlite's in-memory /tmp.
      const path = `/tmp/bench-copy-${i}`
      pg.Module.FS.writeFile(path, bytes)
      const copyStarted = performance.now()
      await pg.transaction((tx) =>
        tx.query(
          `copy exporter_validators (${validatorCopyColumns}) from '${path}'${format === 'binary' ? ' with (format binary)' : ''}`,
        ),
      )
      copyMs += performance.now() - copyStarted
      pg.Module.FS.unlink(path)
    }
    const { rows } = await pg.query<{ n: number }>('select count(*)::int as n from exporter_validators')
    if (rows[0]?.n !== ROWS) throw new Error(`${format}: ${rows[0]?.n} rows copied`)
    return { copyMs, encodeMs }
  } finally {
    await pg.close()
    rmSync(folder, { recursive: true, force: true })
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}

async function main(): Promise<string> {
  const batches = validatorRows()
  const rounds: Record<Format, { copyMs: number; encodeMs: number }[]> = { text: [], binary: [] }
  // Warm-up: one of each, not counted.
  for (const format of ['text', 'binary'] as const) await round(format, batches)
  for (let r = 0; r < ROUNDS; r++) {
    for (const format of ['text', 'binary'] as const) rounds[format].push(await round(format, batches))
  }
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US')
  const copy = (format: Format) => median(rounds[format].map((r) => r.copyMs))
  const encode = (format: Format) => median(rounds[format].map((r) => r.encodeMs))
  return [
    `exporter validator COPY, ${fmt(ROWS)} rows in COPYs of ${fmt(BATCH)}, PGlite on disk (this thread), ${ROUNDS} rounds`,
    ...(['text', 'binary'] as const).map(
      (format) =>
        `  ${format.padEnd(6)}: COPY median ${fmt(copy(format))} ms (rounds: ${rounds[format].map((r) => fmt(r.copyMs)).join(', ')}), encoding ${fmt(encode(format))} ms`,
    ),
    `  binary / text: COPY ${(copy('binary') / copy('text')).toFixed(2)}, encoding ${(encode('binary') / encode('text')).toFixed(2)}`,
  ].join('\n')
}

await runOnce('exporter validator COPY, binary vs text format (one full run)', main)
