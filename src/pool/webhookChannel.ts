/**
 * Alerts as an HTTP POST of JSON (`AlertContent.payload`) to a URL. Any 2xx answer is a delivery. The URL often
 * holds a secret (Slack, Discord and most webhook services put the token in the path), so it never appears in logs
 * or errors.
 */
import { type AlertChannel, AlertDeliveryError, describeFetchFailure } from './alertChannel.js'

export type CreateWebhookChannelParameters = {
  url: string
  /** Milliseconds per attempt. Default 10 s. */
  timeoutMs?: number | undefined
}

export function createWebhookChannel(parameters: CreateWebhookChannelParameters): AlertChannel {
  const timeoutMs = parameters.timeoutMs ?? 10_000
  return {
    name: 'webhook',
    async send(content, signal) {
      let response: Response
      try {
        response = await fetch(parameters.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': 'avskit-aggregator' },
          body: JSON.stringify(content.payload),
          signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
        })
      } catch (error) {
        throw new AlertDeliveryError(`webhook request failed: ${describeFetchFailure(error)}`)
      }
      await response.body?.cancel()
      if (!response.ok) throw new AlertDeliveryError(`webhook answered HTTP ${response.status}`)
    },
  }
}
