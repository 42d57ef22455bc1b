/**
 * A `newHeads` subscription (`eth_subscribe`, execution-apis "pubsub") over a WebSocket, used only as a doorbell:
 * each notification wakes log sync, which then reads what it needs over HTTP as it would after a poll. So a
 * missed, duplicated or reordered notification costs nothing but latency, and when the socket fails log sync
 * simply keeps polling while this reconnects with backoff. A node that refuses `eth_subscribe` (an HTTP-only
 * gateway behind a WebSocket, say) is not asked again. Node 20 has no global WebSocket: this uses `ws`.
 */
import WebSocket from 'ws'
import { redactSecrets } from '../../core/errors.js'
import type { Logger } from '../../core/logger.js'
import { sleep } from '../../core/sleep.js'
import { createRetryStreak } from './retryStreak.js'

export type WatchNewHeadsParameters = {
  url: string
  signal: AbortSignal
  logger: Logger
  /** Called with the number of every new head the node announces. */
  onHead: (blockNumber: bigint) => void
}

export type NewHeadsWatch = {
  /** True while subscribed; log sync polls less often then. */
  readonly subscribed: boolean
  /** Resolves once the watch has stopped (after `signal` aborted, or the node refused to subscribe). */
  readonly stopped: Promise<void>
}

export function watchNewHeads(parameters: WatchNewHeadsParameters): NewHeadsWatch {
  const { url, signal, logger, onHead } = parameters
  const displayUrl = redactSecrets(url)
  const streak = createRetryStreak({ logger, what: `newHeads subscription at ${displayUrl}`, initialDelay: 1000 })
  let subscribed = false

  /** One connection, until it closes. `refused`: the node answered the subscription with an error. */
  function connectOnce(): Promise<{ refused: boolean; error: unknown }> {
    return new Promise((resolve) => {
      let socket: WebSocket
      try {
        socket = new WebSocket(url)
      } catch (error) {
        resolve({ refused: true, error })
        return
      }
      let refused = false
      let failure: unknown
      const onAbort = () => socket.close()
      signal.addEventListener('abort', onAbort, { once: true })
      socket.on('open', () => {
        socket.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_subscribe', params: ['newHeads'] }))
      })
      socket.on('message', (raw) => {
        let message: { id?: unknown; error?: { message?: unknown }; params?: { result?: { number?: unknown } } }
        try {
          message = JSON.parse(raw.toString())
        } catch {
          return
        }
        if (message.id === 1) {
          if (message.error) {
            refused = true
            failure = message.error.message
            socket.close()
            return
          }
          subscribed = true
          streak.succeeded()
          logger.debug({ url: displayUrl }, 'subscribed to newHeads')
          return
        }
        const number = message.params?.result?.number
        if (typeof number === 'string') onHead(BigInt(number))
      })
      socket.on('error', (error) => {
        failure = error
      })
      socket.on('close', () => {
        signal.removeEventListener('abort', onAbort)
        subscribed = false
        resolve({ refused, error: failure ?? new Error('the node closed the connection') })
      })
    })
  }

  const stopped = (async () => {
    while (!signal.aborted) {
      const { refused, error } = await connectOnce()
      if (signal.aborted) break
      if (refused) {
        logger.warn(
          { url: displayUrl, err: error },
          'no newHeads subscription (the node refused it); following the head by polling',
        )
        break
      }
      await sleep(streak.failed(error, { url: displayUrl }), signal)
    }
  })()

  return {
    get subscribed() {
      return subscribed
    },
    stopped,
  }
}
