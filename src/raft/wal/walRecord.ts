/**
 * Record framing of the write-ahead log and snapshot files: `[length u32 LE][crc32 u32 LE][type u8][payload]`,
 * where `length` counts the type byte and the payload and the CRC-32 (IEEE, zlib's) covers the same bytes. A
 * record is valid only if all of it is present and its checksum matches, so a write torn by a crash shows up as
 * an invalid last record (etcd's WAL frames records the same way, with length and CRC).
 */
import { crc32 } from 'node:zlib'

export const recordHeaderBytes = 8
/** Larger lengths are taken as garbage rather than allocated. */
export const maxRecordBytes = 1 << 30

export function encodeRecord(type: number, payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(recordHeaderBytes + 1 + payload.length)
  out.writeUInt32LE(1 + payload.length, 0)
  out[recordHeaderBytes] = type
  out.set(payload, recordHeaderBytes + 1)
  out.writeUInt32LE(crc32(out.subarray(recordHeaderBytes)), 4)
  return out
}

export type WalRecord = { type: number; payload: Buffer; offset: number }

export type ScanResult = {
  records: WalRecord[]
  /** Offset just past the last valid record. */
  validBytes: number
  /** Why scanning stopped before the end, if it did. */
  problem: string | undefined
}

/** Reads records from the start of `data` until the end or the first invalid one. */
export function scanRecords(data: Buffer): ScanResult {
  const records: WalRecord[] = []
  let offset = 0
  while (offset < data.length) {
    if (data.length - offset < recordHeaderBytes + 1) {
      return { records, validBytes: offset, problem: `truncated record header at offset ${offset}` }
    }
    const length = data.readUInt32LE(offset)
    if (length < 1 || length > maxRecordBytes) {
      return { records, validBytes: offset, problem: `invalid record length ${length} at offset ${offset}` }
    }
    const end = offset + recordHeaderBytes + length
    if (end > data.length) {
      return { records, validBytes: offset, problem: `record at offset ${offset} runs past the end of the file` }
    }
    const body = data.subarray(offset + recordHeaderBytes, end)
    if (crc32(body) !== data.readUInt32LE(offset + 4)) {
      return { records, validBytes: offset, problem: `checksum mismatch in the record at offset ${offset}` }
    }
    records.push({ type: body[0] as number, payload: body.subarray(1), offset })
    offset = end
  }
  return { records, validBytes: offset, problem: undefined }
}
