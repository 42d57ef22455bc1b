/**
 * Files of a Raft data directory: `wal/<seq>-<firstIndex>.wal` segments (16 hex digits each, so names sort in
 * order; `firstIndex` is the log's last index + 1 when the segment was started) and `snap/<term>-<index>.snap`
 * snapshots. New files are written under a temporary name, fsynced, renamed and the directory fsynced, so a crash
 * leaves either the whole file or none (the POSIX rename pattern).
 */
import { open, readdir, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'

export type SegmentName = { seq: number; firstIndex: number; name: string }
export type SnapshotName = { term: number; index: number; name: string }

const hex = (n: number) => n.toString(16).padStart(16, '0')
const segmentPattern = /^([0-9a-f]{16})-([0-9a-f]{16})\.wal$/
const snapshotPattern = /^([0-9a-f]{16})-([0-9a-f]{16})\.snap$/

export function segmentFileName(seq: number, firstIndex: number): string {
  return `${hex(seq)}-${hex(firstIndex)}.wal`
}

export function snapshotFileName(term: number, index: number): string {
  return `${hex(term)}-${hex(index)}.snap`
}

/** Segments in `dir`, oldest first. Temporary files left by a crash are removed. */
export async function listSegments(dir: string): Promise<SegmentName[]> {
  const out: SegmentName[] = []
  for (const name of await readdir(dir)) {
    if (name.endsWith('.tmp')) {
      await rm(join(dir, name), { force: true })
      continue
    }
    const match = segmentPattern.exec(name)
    if (match)
      out.push({
        seq: Number.parseInt(match[1] as string, 16),
        firstIndex: Number.parseInt(match[2] as string, 16),
        name,
      })
  }
  return out.sort((a, b) => a.seq - b.seq)
}

/** Snapshot files in `dir`, newest (highest index) first. */
export async function listSnapshots(dir: string): Promise<SnapshotName[]> {
  const out: SnapshotName[] = []
  for (const name of await readdir(dir)) {
    if (name.endsWith('.tmp')) {
      await rm(join(dir, name), { force: true })
      continue
    }
    const match = snapshotPattern.exec(name)
    if (match)
      out.push({ term: Number.parseInt(match[1] as string, 16), index: Number.parseInt(match[2] as string, 16), name })
  }
  return out.sort((a, b) => b.index - a.index || b.term - a.term)
}

/** Makes a directory's entries (created, renamed, removed files) durable. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

/** Writes `data` to `dir/name` so that after a crash the file is either complete or absent. */
export async function writeFileDurably(dir: string, name: string, data: Uint8Array): Promise<void> {
  const temporary = join(dir, `${name}.tmp`)
  const handle = await open(temporary, 'w')
  try {
    await handle.writeFile(data)
    await handle.sync()
  } finally {
    await handle.close()
  }
  await rename(temporary, join(dir, name))
  await syncDirectory(dir)
}
