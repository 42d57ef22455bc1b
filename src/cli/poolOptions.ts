/**
 * Options of the operator pool, shared by `avskit aggregator` (the pool's side) and `avskit operator` (the pinger),
 * and the duration syntax they use (`500ms`, `5s`, `10m`, `1h`, `2d`, or a number of seconds).
 */
import { z } from 'zod'
import { defineOptions } from '../core/config.js'
import { InvalidInputError } from '../core/errors.js'
import type { PoolAlertOptions } from '../pool/index.js'
import { urlSchema } from './commonOptions.js'

const units: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }

/** A duration in milliseconds: `500ms`, `5s`, `1.5m`, `10m`, `1h`, `2d`, or a bare number of seconds. */
export const durationSchema = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(String(value))
  if (!match) {
    ctx.addIssue({ code: 'custom', message: 'expected a duration like 500ms, 5s, 10m, 1h or 2d' })
    return z.NEVER
  }
  return Math.round(Number(match[1]) * (units[match[2] ?? 's'] as number))
})

export const hostPortSchema = z
  .string()
  .regex(/^(\[[^\]]+\]|[^:\s]+):\d{1,5}$/, { message: 'expected host:port, like 127.0.0.1:2206' })

export const pingIntervalOption = defineOptions({
  pingInterval: {
    flag: 'ping-interval',
    argument: '<duration>',
    description: 'how often operators check in (the pool marks them stale after 3 missed)',
    schema: durationSchema.refine((ms) => ms >= 1_000, { message: 'expected at least 1s (epochs are whole seconds)' }),
    default: 5_000,
  },
})

export const aggregatorPoolOptions = defineOptions({
  ...pingIntervalOption,
  offlineAfter: {
    flag: 'offline-after',
    argument: '<duration>',
    description: 'no check-in for this long is offline, which raises an alert',
    schema: durationSchema,
    default: 600_000,
  },
  authWindow: {
    flag: 'auth-window',
    argument: '<duration>',
    description: "accepted distance between a check-in token's epoch and this clock, each way",
    schema: durationSchema.refine((ms) => ms >= 1_000 && ms <= 600_000, { message: 'expected from 1s to 10m' }),
    default: 30_000,
  },
  allowUnauthenticated: {
    flag: 'allow-unauthenticated-checkins',
    description: 'also accept check-ins without an authorization token (operators that predate signed check-ins)',
    schema: z.boolean(),
    default: false,
  },
  explorerUrl: {
    flag: 'explorer-url',
    argument: '<url>',
    description: 'block explorer for operator links (default by chain id: mainnet, holesky, sepolia)',
    schema: urlSchema,
  },
  eigenlayerAppUrl: {
    flag: 'eigenlayer-app-url',
    argument: '<url>',
    description: 'EigenLayer app for operator profile links (default by chain id)',
    schema: urlSchema,
  },
  alertWebhookUrl: {
    flag: 'alert-webhook-url',
    argument: '<url>',
    description: 'POST a JSON alert here when an operator goes offline or comes back',
    schema: urlSchema,
    secret: true,
  },
  alertTelegramBotToken: {
    flag: 'alert-telegram-bot-token',
    argument: '<token>',
    description: 'Telegram bot token for alerts (with --alert-telegram-chat-id)',
    schema: z.string().regex(/^\d+:[\w-]+$/, { message: 'expected a bot token like 123456:ABC-DEF…' }),
    secret: true,
  },
  alertTelegramChatId: {
    flag: 'alert-telegram-chat-id',
    argument: '<id>',
    description: 'Telegram chat to send alerts to (a number, or @channelname)',
    schema: z.string().regex(/^(-?\d+|@\w{5,})$/, { message: 'expected a chat id (a number) or @channelname' }),
  },
  alertTelegramApiUrl: {
    flag: 'alert-telegram-api-url',
    argument: '<url>',
    description: 'Telegram Bot API base URL',
    schema: urlSchema,
    default: 'https://api.telegram.org',
  },
  alertSmtpUrl: {
    flag: 'alert-smtp-url',
    argument: '<url>',
    description: 'SMTP server for e-mail alerts: smtp://user:password@host:587 (STARTTLS) or smtps://…:465',
    schema: z.string().refine((v) => /^smtps?:\/\/[^\s]+$/.test(v), { message: 'expected an smtp:// or smtps:// URL' }),
    secret: true,
  },
  alertEmailFrom: {
    flag: 'alert-email-from',
    argument: '<address>',
    description: 'sender of e-mail alerts',
    schema: z.email({ message: 'expected an e-mail address' }),
  },
  alertEmailTo: {
    flag: 'alert-email-to',
    argument: '<addresses>',
    description: 'recipients of e-mail alerts, comma-separated',
    schema: z
      .string()
      .transform((v) => v.split(',').map((a) => a.trim()))
      .pipe(z.array(z.email({ message: 'expected comma-separated e-mail addresses' })).min(1)),
  },
})

type ResolvedAlertFlags = {
  alertWebhookUrl?: string | undefined
  alertTelegramBotToken?: string | undefined
  alertTelegramChatId?: string | undefined
  alertTelegramApiUrl: string
  alertSmtpUrl?: string | undefined
  alertEmailFrom?: string | undefined
  alertEmailTo?: string[] | undefined
}

/** Turns the alert flags into channel options, refusing half-configured channels. */
export function alertOptionsFrom(options: ResolvedAlertFlags): PoolAlertOptions {
  const { alertTelegramBotToken: token, alertTelegramChatId: chatId } = options
  if (Boolean(token) !== Boolean(chatId)) {
    throw new InvalidInputError('Telegram alerts need both --alert-telegram-bot-token and --alert-telegram-chat-id.')
  }
  if (options.alertSmtpUrl && !options.alertEmailTo) {
    throw new InvalidInputError('E-mail alerts need --alert-email-to along with --alert-smtp-url.')
  }
  if (!options.alertSmtpUrl && options.alertEmailTo) {
    throw new InvalidInputError('--alert-email-to needs --alert-smtp-url (the SMTP server to send through).')
  }
  return {
    webhookUrl: options.alertWebhookUrl,
    telegram: token && chatId ? { botToken: token, chatId, apiUrl: options.alertTelegramApiUrl } : undefined,
    email:
      options.alertSmtpUrl && options.alertEmailTo
        ? {
            smtpUrl: options.alertSmtpUrl,
            from: options.alertEmailFrom ?? 'avskit@localhost',
            to: options.alertEmailTo,
          }
        : undefined,
  }
}

/** Refuses liveness rules under which an operator could never be seen stale. */
export function assertLivenessRules(pingIntervalMs: number, offlineAfterMs: number): void {
  if (offlineAfterMs <= 3 * pingIntervalMs) {
    throw new InvalidInputError(
      `--offline-after (${offlineAfterMs / 1000} s) must be longer than 3 × --ping-interval (${(3 * pingIntervalMs) / 1000} s), when an operator turns stale.`,
    )
  }
}
