/** An alert destination: webhook, Telegram or e-mail. `send` resolves once the destination accepted the alert. */
import type { AlertContent } from './alertMessage.js'

export type AlertChannel = {
  /** Stored with each queued alert (`pool_alerts.channel`). */
  readonly name: string
  /** Throws when the alert was not accepted; the error message must not contain credentials (tokens, URLs). */
  send(content: AlertContent, signal: AbortSignal): Promise<void>
  close?(): Promise<void>
}

/** A delivery failure described without the destination's URL, token or password. */
export class AlertDeliveryError extends Error {
  override name = 'AlertDeliveryError'
}

/** Describes a fetch failure by its cause's code (ECONNREFUSED, …) only: the URL may hold a secret. */
export function describeFetchFailure(error: unknown): string {
  if (error instanceof Error && error.name === 'TimeoutError') return 'timed out'
  const cause = error instanceof Error ? (error.cause as { code?: string } | undefined) : undefined
  return cause?.code ?? (error instanceof Error ? error.name : 'request failed')
}
