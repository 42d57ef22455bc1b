/**
 * One process per PGlite folder. PGlite is a single Postgres backend inside this process and does not lock its
 * files: a second process opening the same folder would read stale pages and corrupt it on write. A lock file
 * (`<folder>.lock`, holding the owner's pid) makes the second open fail with a clear message instead. A lock
 * left by a process that no longer exists (kill -9) is taken over.
 */
import { open, readFile, rm } from 'node:fs/promises'
import { resolve } from 'node:path'
import { DatabaseInUseError } from './databaseErrors.js'

const lockedInThisProcess = new Set<string>()

/** Locks `folder`; returns the release function. */
export async function lockDataFolder(folder: string): Promise<() => Promise<void>> {
  const path = `${resolve(folder)}.lock`
  if (lockedInThisProcess.has(path)) {
    throw new DatabaseInUseError(`the database in ${folder} is already open in this process`, {
      metaMessages: ['Open it once and share the Database handle between services.'],
    })
  }
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await open(path, 'wx', 0o600)
      await handle.writeFile(`${process.pid}\n`)
      await handle.close()
      break
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw err
      const owner = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10)
      if (Number.isSafeInteger(owner) && owner > 0 && owner !== process.pid && isAlive(owner)) {
        throw new DatabaseInUseError(`the database in ${folder} is in use by process ${owner}`, {
          metaMessages: [
            'PGlite serves one process. Stop the other process, or run both against PostgreSQL (--database-url).',
            `If no such process uses it, delete ${path}.`,
          ],
        })
      }
      await rm(path, { force: true })
    }
  }
  lockedInThisProcess.add(path)
  return async () => {
    lockedInThisProcess.delete(path)
    await rm(path, { force: true })
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    // EPERM: it exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}
