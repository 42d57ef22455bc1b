/**
 * Opens a node's data directory: the WAL, and a `MemoryStorage` holding what it recovered (snapshot, entries after
 * it, hard state), ready to hand to the Raft core. This is the restart path of etcd's raftexample: replay the WAL
 * into memory, then let the core read from there.
 */
import { MemoryStorage } from '../storage/memoryStorage.js'
import { Wal, type WalContents, type WalOptions } from './wal.js'

export type WalStorage = { wal: Wal; storage: MemoryStorage; contents: WalContents }

export async function openWalStorage(dir: string, options: WalOptions = {}): Promise<WalStorage> {
  const { wal, contents } = await Wal.open(dir, options)
  const storage = new MemoryStorage()
  if (contents.snapshot.metadata.index > 0) storage.applySnapshot(contents.snapshot)
  storage.append(contents.entries)
  storage.setHardState(contents.hardState)
  return { wal, storage, contents }
}
