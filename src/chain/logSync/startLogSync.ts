/**
 * `syncLogs` as a running component with a handle: its current status (for `/ready` and dashboards), a promise
 * that settles when it first catches up with the head (a service turns ready then), and one that settles when it
 * stops. The sync itself runs in the background from the call on.
 */
import { syncLogs } from './syncLogs.js'
import type { LogSyncStatus, SyncLogsParameters } from './syncLogsParameters.js'

export type LogSync = {
  /** A snapshot of the sync's status. */
  readonly status: LogSyncStatus
  /** Resolves when the target first reaches the head; rejects if the sync fails before that. */
  readonly caughtUp: Promise<void>
  /** Resolves when the sync stopped after the abort; rejects with the target error that stopped it. */
  readonly done: Promise<void>
}

/**
 * @example
 * const sync = startLogSync({ name: 'exporter', rpcUrl, filter, fromBlock, target, signal, logger, metrics })
 * await sync.caughtUp // ready
 * shutdown.add('log sync', () => sync.done)
 */
export function startLogSync(parameters: SyncLogsParameters): LogSync {
  let status: LogSyncStatus = { headBlock: undefined, syncedBlock: parameters.fromBlock - 1n, caughtUp: false }
  let resolveCaughtUp: () => void = () => {}
  let rejectCaughtUp: (error: unknown) => void = () => {}
  const caughtUp = new Promise<void>((resolve, reject) => {
    resolveCaughtUp = resolve
    rejectCaughtUp = reject
  })
  // Nobody has to wait for it: a failure before catching up is reported through `done` as well.
  caughtUp.catch(() => {})
  const done = syncLogs({
    ...parameters,
    onStatus: (next) => {
      status = next
      parameters.onStatus?.(next)
    },
    onCaughtUp: () => {
      resolveCaughtUp()
      parameters.onCaughtUp?.()
    },
  })
  done.then(
    () => rejectCaughtUp(new Error(`log sync ${parameters.name} stopped before it caught up`)),
    (error: unknown) => rejectCaughtUp(error),
  )
  return {
    get status() {
      return { ...status }
    },
    caughtUp,
    done,
  }
}
