/**
 * Payloads of the write-ahead log's records:
 * - `batch` (type 1): what one `Ready` persists, an optional hard state and the entries, in one record so that a
 *   torn write loses all of it or none;
 * - `snapshotMarker` (type 2): the metadata of a snapshot now in force (its file holds the data) and whether it
 *   replaces the log (installed from the leader) or compacts it (taken by the node); see walReplay.ts;
 * - `snapshot` (type 3): the content of a snapshot file, metadata and data.
 * Integers are unsigned 64-bit little-endian (written as two 32-bit halves, exact below 2^53), strings are UTF-8
 * with a 16-bit length.
 */
import { WalCorruptError } from '../errors.js'
import type { ConfState, Entry, EntryType, HardState, Snapshot, SnapshotMetadata } from '../types.js'

export const recordTypes = { batch: 1, snapshotMarker: 2, snapshot: 3 } as const

export type Batch = { hardState: HardState | undefined; entries: Entry[] }

/** `install`: a leader's snapshot replacing the log; otherwise the node's own snapshot compacting it. */
export type SnapshotMarker = { metadata: SnapshotMetadata; install: boolean }

const entryTypeCodes: Record<EntryType, number> = { normal: 0, confChange: 1 }

class Writer {
  private buffer = Buffer.allocUnsafe(256)
  length = 0

  private reserve(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return
    const next = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + bytes))
    this.buffer.copy(next, 0, 0, this.length)
    this.buffer = next
  }

  u8(value: number): void {
    this.reserve(1)
    this.buffer[this.length++] = value
  }

  u32(value: number): void {
    this.reserve(4)
    this.buffer.writeUInt32LE(value, this.length)
    this.length += 4
  }

  u64(value: number): void {
    this.u32(value >>> 0)
    this.u32(Math.floor(value / 0x1_0000_0000))
  }

  bytes(value: Uint8Array): void {
    this.u32(value.length)
    this.reserve(value.length)
    this.buffer.set(value, this.length)
    this.length += value.length
  }

  string(value: string): void {
    const encoded = Buffer.from(value, 'utf8')
    this.reserve(2 + encoded.length)
    this.buffer.writeUInt16LE(encoded.length, this.length)
    this.length += 2
    encoded.copy(this.buffer, this.length)
    this.length += encoded.length
  }

  finish(): Buffer {
    return this.buffer.subarray(0, this.length)
  }
}

class Reader {
  offset = 0
  constructor(private readonly data: Buffer) {}

  private need(bytes: number): void {
    if (this.offset + bytes > this.data.length) {
      throw new WalCorruptError(`WAL record payload ends early: needed ${bytes} bytes at offset ${this.offset}`)
    }
  }

  u8(): number {
    this.need(1)
    return this.data[this.offset++] as number
  }

  u32(): number {
    this.need(4)
    const value = this.data.readUInt32LE(this.offset)
    this.offset += 4
    return value
  }

  u64(): number {
    const low = this.u32()
    return this.u32() * 0x1_0000_0000 + low
  }

  bytes(): Uint8Array {
    const length = this.u32()
    this.need(length)
    const out = new Uint8Array(this.data.subarray(this.offset, this.offset + length))
    this.offset += length
    return out
  }

  string(): string {
    this.need(2)
    const length = this.data.readUInt16LE(this.offset)
    this.offset += 2
    this.need(length)
    const out = this.data.toString('utf8', this.offset, this.offset + length)
    this.offset += length
    return out
  }
}

function writeHardState(w: Writer, state: HardState): void {
  w.u64(state.term)
  w.u64(state.commit)
  w.string(state.vote)
}

export function encodeBatch(batch: Batch): Buffer {
  const w = new Writer()
  w.u8(batch.hardState ? 1 : 0)
  if (batch.hardState) writeHardState(w, batch.hardState)
  w.u32(batch.entries.length)
  for (const entry of batch.entries) {
    w.u64(entry.term)
    w.u64(entry.index)
    w.u8(entryTypeCodes[entry.type])
    w.bytes(entry.data)
  }
  return w.finish()
}

export function decodeBatch(payload: Buffer): Batch {
  const r = new Reader(payload)
  const hardState = r.u8() === 1 ? { term: r.u64(), commit: r.u64(), vote: r.string() } : undefined
  const count = r.u32()
  const entries: Entry[] = []
  for (let i = 0; i < count; i++) {
    const term = r.u64()
    const index = r.u64()
    const type = r.u8() === 1 ? 'confChange' : 'normal'
    entries.push({ term, index, type, data: r.bytes() })
  }
  return { hardState, entries }
}

function writeMetadata(w: Writer, metadata: SnapshotMetadata): void {
  w.u64(metadata.index)
  w.u64(metadata.term)
  for (const ids of [metadata.confState.voters, metadata.confState.learners]) {
    w.u32(ids.length)
    for (const id of ids) w.string(id)
  }
}

function readMetadata(r: Reader): SnapshotMetadata {
  const index = r.u64()
  const term = r.u64()
  const lists: string[][] = []
  for (let k = 0; k < 2; k++) {
    const count = r.u32()
    const ids: string[] = []
    for (let i = 0; i < count; i++) ids.push(r.string())
    lists.push(ids)
  }
  const confState: ConfState = { voters: lists[0] ?? [], learners: lists[1] ?? [] }
  return { index, term, confState }
}

export function encodeSnapshotMarker(marker: SnapshotMarker): Buffer {
  const w = new Writer()
  w.u8(marker.install ? 1 : 0)
  writeMetadata(w, marker.metadata)
  return w.finish()
}

export function decodeSnapshotMarker(payload: Buffer): SnapshotMarker {
  const r = new Reader(payload)
  const install = r.u8() === 1
  return { install, metadata: readMetadata(r) }
}

export function encodeSnapshot(snapshot: Snapshot): Buffer {
  const w = new Writer()
  writeMetadata(w, snapshot.metadata)
  w.bytes(snapshot.data)
  return w.finish()
}

export function decodeSnapshot(payload: Buffer): Snapshot {
  const r = new Reader(payload)
  const metadata = readMetadata(r)
  return { metadata, data: r.bytes() }
}
