/**
 * The write-ahead log of one Raft node: hard state, entries and snapshot markers appended to segment files, with
 * snapshots in their own files (the layout of etcd's `wal` and `snap` packages; see walFiles.ts).
 *
 * - Durability: `save` resolves once its record is written and, when `sync` is asked (a Ready's `mustSync`),
 *   fdatasync'ed. Raft may answer an RPC only after that.
 * - Group commit: saves that arrive while a write is in progress are queued and written together with one
 *   `writev` and one fdatasync, so many small appends cost one disk flush.
 * - Torn tail: on open, an incomplete or corrupt record at the end of the last segment (a crash mid-write) is
 *   cut off and reported; the same in an older segment is corruption and refuses to open.
 * - Segments: a new segment starts once the current one passes `segmentBytes`; it begins with the current hard
 *   state and snapshot marker, so older segments can be deleted once a snapshot covers their entries.
 */
import { type FileHandle, mkdir, open, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { Logger } from '../../core/logger.js'
import { RaftStoppedError, WalCorruptError } from '../errors.js'
import type { Entry, HardState, Snapshot, SnapshotMetadata } from '../types.js'
import {
  decodeBatch,
  decodeSnapshot,
  decodeSnapshotMarker,
  encodeBatch,
  encodeSnapshot,
  encodeSnapshotMarker,
  recordTypes,
} from './walCodec.js'
import {
  listSegments,
  listSnapshots,
  type SegmentName,
  segmentFileName,
  snapshotFileName,
  syncDirectory,
  writeFileDurably,
} from './walFiles.js'
import { encodeRecord, scanRecords } from './walRecord.js'
import { WalReplay } from './walReplay.js'

export type WalOptions = {
  /** Start a new segment once the current one exceeds this size. Default 64 MiB (etcd's SegmentSizeBytes). */
  segmentBytes?: number | undefined
  logger?: Logger | undefined
}

/** What the WAL held on open. */
export type WalContents = {
  hardState: HardState
  snapshot: Snapshot
  /** Entries after the snapshot. */
  entries: Entry[]
  /** Set when a torn tail was cut off: what was wrong and how many bytes were dropped. */
  repairedTail: string | undefined
}

export type WalUpdate = {
  hardState?: HardState | undefined
  entries: readonly Entry[]
  snapshot?: Snapshot | undefined
}

type Job = {
  records: Buffer[]
  sync: boolean
  /** Runs before the records are written (a snapshot file that must exist before its marker). */
  before?: () => Promise<void>
  /** Runs after they are durable (deleting what a snapshot made obsolete). */
  after?: () => Promise<void>
  resolve: () => void
  reject: (error: unknown) => void
}

export class Wal {
  readonly stats = { writes: 0, syncs: 0, bytes: 0, segments: 0 }
  private readonly walDir: string
  private readonly snapDir: string
  private readonly segmentBytes: number
  private readonly logger: Logger | undefined
  private segments: SegmentName[]
  private handle: FileHandle
  private size: number
  private hardState: HardState
  private snapshotMetadata: SnapshotMetadata
  private lastIndex: number
  private queue: Job[] = []
  private writing = false
  private failure: unknown
  private closed = false
  private idleWaiters: (() => void)[] = []

  private constructor(fields: {
    dir: string
    options: WalOptions
    segments: SegmentName[]
    handle: FileHandle
    size: number
    replay: WalReplay
  }) {
    this.walDir = join(fields.dir, 'wal')
    this.snapDir = join(fields.dir, 'snap')
    this.segmentBytes = fields.options.segmentBytes ?? 64 * 1024 * 1024
    this.logger = fields.options.logger
    this.segments = fields.segments
    this.handle = fields.handle
    this.size = fields.size
    this.hardState = fields.replay.hardState
    this.snapshotMetadata = fields.replay.snapshot
    this.lastIndex = fields.replay.lastIndex()
  }

  /** Opens (or creates) the WAL in `dir` and returns what it holds. */
  static async open(dir: string, options: WalOptions = {}): Promise<{ wal: Wal; contents: WalContents }> {
    const walDir = join(dir, 'wal')
    const snapDir = join(dir, 'snap')
    await mkdir(walDir, { recursive: true })
    await mkdir(snapDir, { recursive: true })
    let segments = await listSegments(walDir)
    const replay = new WalReplay()
    let repairedTail: string | undefined
    for (const [i, segment] of segments.entries()) {
      const path = join(walDir, segment.name)
      const data = await readFile(path)
      const scan = scanRecords(data)
      if (scan.problem) {
        if (i !== segments.length - 1)
          throw new WalCorruptError(`WAL segment ${segment.name} is corrupt: ${scan.problem}`)
        repairedTail = `${segment.name}: ${scan.problem}; dropped ${data.length - scan.validBytes} bytes`
        await truncateFile(path, scan.validBytes)
        options.logger?.warn({ segment: segment.name, problem: scan.problem }, 'cut off a torn WAL tail')
      }
      for (const record of scan.records) {
        const where = `${segment.name} at offset ${record.offset}`
        if (record.type === recordTypes.batch) replay.applyBatch(decodeBatch(record.payload))
        else if (record.type === recordTypes.snapshotMarker)
          replay.applySnapshotMarker(decodeSnapshotMarker(record.payload))
        else throw new WalCorruptError(`WAL record of unknown type ${record.type} in ${where}`)
      }
    }
    const snapshot = await loadSnapshot(snapDir, replay.snapshot)
    if (segments.length === 0) {
      const name = segmentFileName(1, 1)
      await writeFileDurably(walDir, name, segmentHeader(replay.hardState, replay.snapshot))
      segments = [{ seq: 1, firstIndex: 1, name }]
    }
    const last = segments[segments.length - 1] as SegmentName
    const handle = await open(join(walDir, last.name), 'a')
    const size = (await handle.stat()).size
    const wal = new Wal({ dir, options, segments, handle, size, replay })
    wal.stats.segments = segments.length
    const contents = { hardState: replay.finalHardState(), snapshot, entries: replay.finalEntries(), repairedTail }
    return { wal, contents }
  }

  /**
   * Persists what a Ready asks for. A snapshot's file is written first, then its marker, entries and hard state
   * go in the same write. Resolves when durable (when `sync`), or at least written.
   */
  save(update: WalUpdate, sync = true): Promise<void> {
    const records: Buffer[] = []
    const snapshot = update.snapshot
    if (snapshot) {
      const marker = encodeSnapshotMarker({ metadata: snapshot.metadata, install: true })
      records.push(encodeRecord(recordTypes.snapshotMarker, marker))
    }
    if (update.hardState || update.entries.length > 0) {
      records.push(
        encodeRecord(recordTypes.batch, encodeBatch({ hardState: update.hardState, entries: [...update.entries] })),
      )
    }
    if (records.length === 0) return Promise.resolve()
    return this.enqueue({
      records,
      sync: sync || snapshot !== undefined,
      ...(snapshot ? { before: () => this.writeSnapshotFile(snapshot) } : {}),
      after: async () => {
        if (update.hardState) this.hardState = update.hardState
        if (snapshot) {
          this.noteSnapshot(snapshot.metadata)
          this.lastIndex = snapshot.metadata.index
        }
        const last = update.entries[update.entries.length - 1]
        if (last) this.lastIndex = last.index
      },
    })
  }

  /**
   * Records a snapshot the application took of its own state (log compaction, section 7), then deletes the
   * segments whose entries it covers and all but the previous snapshot file.
   */
  saveSnapshot(snapshot: Snapshot): Promise<void> {
    return this.enqueue({
      records: [
        encodeRecord(recordTypes.snapshotMarker, encodeSnapshotMarker({ metadata: snapshot.metadata, install: false })),
      ],
      sync: true,
      before: () => this.writeSnapshotFile(snapshot),
      after: async () => {
        this.noteSnapshot(snapshot.metadata)
        await this.releaseObsolete()
      },
    })
  }

  /** Waits for queued writes, then closes the segment. Later saves fail. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    if (this.writing) await new Promise<void>((resolve) => this.idleWaiters.push(resolve))
    this.failure ??= new RaftStoppedError()
    await this.handle.close()
  }

  private noteSnapshot(metadata: SnapshotMetadata): void {
    if (metadata.index <= this.snapshotMetadata.index) return
    this.snapshotMetadata = metadata
    this.lastIndex = Math.max(this.lastIndex, metadata.index)
  }

  private writeSnapshotFile(snapshot: Snapshot): Promise<void> {
    const { term, index } = snapshot.metadata
    const file = encodeRecord(recordTypes.snapshot, encodeSnapshot(snapshot))
    return writeFileDurably(this.snapDir, snapshotFileName(term, index), file)
  }

  private enqueue(job: Omit<Job, 'resolve' | 'reject'>): Promise<void> {
    if (this.failure) return Promise.reject(this.failure)
    if (this.closed) return Promise.reject(new RaftStoppedError())
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ ...job, resolve, reject })
      if (!this.writing) void this.drain()
    })
  }

  /** The group-commit loop: one write and at most one fdatasync for every job queued meanwhile. */
  private async drain(): Promise<void> {
    this.writing = true
    while (this.queue.length > 0) {
      // Take jobs up to the next one that must first write a snapshot file.
      let count = 1
      while (count < this.queue.length && !this.queue[count]?.before) count++
      const jobs = this.queue.splice(0, count)
      try {
        await jobs[0]?.before?.()
        const buffers = jobs.flatMap((j) => j.records)
        if (buffers.length > 0) {
          await this.handle.writev(buffers)
          this.stats.writes++
          const bytes = buffers.reduce((n, b) => n + b.length, 0)
          this.stats.bytes += bytes
          this.size += bytes
          if (jobs.some((j) => j.sync)) {
            await this.handle.datasync()
            this.stats.syncs++
          }
        }
        for (const job of jobs) await job.after?.()
        if (this.size >= this.segmentBytes) await this.startSegment()
        for (const job of jobs) job.resolve()
      } catch (error) {
        // The disk state is unknown now: refuse everything after, as etcd does on a failed fsync.
        this.failure = error
        for (const job of [...jobs, ...this.queue.splice(0)]) job.reject(error)
      }
    }
    this.writing = false
    for (const resolve of this.idleWaiters.splice(0)) resolve()
  }

  private async startSegment(): Promise<void> {
    const last = this.segments[this.segments.length - 1] as SegmentName
    const next: SegmentName = {
      seq: last.seq + 1,
      firstIndex: this.lastIndex + 1,
      name: segmentFileName(last.seq + 1, this.lastIndex + 1),
    }
    const header = segmentHeader(this.hardState, this.snapshotMetadata)
    await writeFileDurably(this.walDir, next.name, header)
    await this.handle.close()
    this.handle = await open(join(this.walDir, next.name), 'a')
    this.size = header.length
    this.segments.push(next)
    this.stats.segments = this.segments.length
  }

  /**
   * Deletes segments whose surviving entries the snapshot covers: every entry of segment k that is still in the
   * log has an index below segment k+1's `firstIndex` (later overwrites land in later segments), so segment k
   * can go once `firstIndex(k+1) - 1 <= snapshot index`. Keeps the newest two snapshot files.
   */
  private async releaseObsolete(): Promise<void> {
    const snapIndex = this.snapshotMetadata.index
    let removed = 0
    while (this.segments.length > 1 && (this.segments[1] as SegmentName).firstIndex - 1 <= snapIndex) {
      const old = this.segments.shift() as SegmentName
      await rm(join(this.walDir, old.name), { force: true })
      removed++
    }
    const snapshots = await listSnapshots(this.snapDir)
    for (const old of snapshots.filter((s) => s.index < snapIndex).slice(1)) {
      await rm(join(this.snapDir, old.name), { force: true })
      removed++
    }
    if (removed > 0) {
      await syncDirectory(this.walDir)
      await syncDirectory(this.snapDir)
      this.logger?.debug({ snapIndex, removed }, 'released WAL segments and snapshots covered by a snapshot')
    }
    this.stats.segments = this.segments.length
  }
}

function segmentHeader(hardState: HardState, snapshot: SnapshotMetadata): Buffer {
  return Buffer.concat([
    encodeRecord(recordTypes.snapshotMarker, encodeSnapshotMarker({ metadata: snapshot, install: false })),
    encodeRecord(recordTypes.batch, encodeBatch({ hardState, entries: [] })),
  ])
}

async function truncateFile(path: string, length: number): Promise<void> {
  const handle = await open(path, 'r+')
  try {
    await handle.truncate(length)
    await handle.sync()
  } finally {
    await handle.close()
  }
}

async function loadSnapshot(snapDir: string, metadata: SnapshotMetadata): Promise<Snapshot> {
  if (metadata.index === 0) return { metadata, data: new Uint8Array() }
  const name = snapshotFileName(metadata.term, metadata.index)
  let data: Buffer
  try {
    data = await readFile(join(snapDir, name))
  } catch (error) {
    throw new WalCorruptError(`snapshot file ${name} named by the WAL is missing`, { cause: error })
  }
  const scan = scanRecords(data)
  const record = scan.records[0]
  if (scan.problem || !record || record.type !== recordTypes.snapshot) {
    throw new WalCorruptError(`snapshot file ${name} is corrupt: ${scan.problem ?? 'no snapshot record'}`)
  }
  return decodeSnapshot(record.payload)
}
