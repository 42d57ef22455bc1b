/**
 * Alerts as Telegram messages through the Bot API: `POST <api>/bot<token>/sendMessage` with `{chat_id, text}`
 * (https://core.telegram.org/bots/api#sendmessage). The API base URL is configurable (a local Bot API server, a
 * proxy, tests). The text is sent without `parse_mode`, so nothing in it is read as markup. The token is part of the
 * URL and never appears in logs or errors; a 429 answer's `retry_after` is honoured by the caller's backoff.
 */
import { type AlertChannel, AlertDeliveryError, describeFetchFailure } from './alertChannel.js'

export type CreateTelegramChannelParameters = {
  botToken: string
  chatId: string
  /** Default https://api.telegram.org. */
  apiUrl?: string | undefined
  timeoutMs?: number | undefined
}

type TelegramAnswer = { ok?: boolean; description?: string; parameters?: { retry_after?: number } }

export function createTelegramChannel(parameters: CreateTelegramChannelParameters): AlertChannel {
  const base = (parameters.apiUrl ?? 'https://api.telegram.org').replace(/\/+$/, '')
  const timeoutMs = parameters.timeoutMs ?? 10_000
  return {
    name: 'telegram',
    async send(content, signal) {
      let response: Response
      try {
        response = await fetch(`${base}/bot${parameters.botToken}/sendMessage`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ chat_id: parameters.chatId, text: content.text, disable_web_page_preview: true }),
          signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
        })
      } catch (error) {
        throw new AlertDeliveryError(`Telegram request failed: ${describeFetchFailure(error)}`)
      }
      const answer = (await response.json().catch(() => ({}))) as TelegramAnswer
      if (response.ok && answer.ok === true) return
      const description = typeof answer.description === 'string' ? answer.description.slice(0, 200) : ''
      const retry = answer.parameters?.retry_after
      throw new AlertDeliveryError(
        `Telegram sendMessage answered HTTP ${response.status}${description ? `: ${description.replaceAll(parameters.botToken, '***')}` : ''}${retry ? ` (retry after ${retry} s)` : ''}`,
      )
    },
  }
}
