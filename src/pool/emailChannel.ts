/**
 * Alerts as e-mail over SMTP with nodemailer. The server is one URL, `smtp://user:password@host:587` (STARTTLS when
 * offered) or `smtps://…:465` (TLS from the start); the password never appears in logs or errors.
 */
import nodemailer from 'nodemailer'
import { redactSecrets } from '../core/errors.js'
import { type AlertChannel, AlertDeliveryError } from './alertChannel.js'

export type CreateEmailChannelParameters = {
  smtpUrl: string
  from: string
  to: readonly string[]
  timeoutMs?: number | undefined
}

export function createEmailChannel(parameters: CreateEmailChannelParameters): AlertChannel {
  const timeoutMs = parameters.timeoutMs ?? 15_000
  const transport = nodemailer.createTransport({
    url: parameters.smtpUrl,
    logger: false,
    debug: false,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  })
  let password = ''
  try {
    password = decodeURIComponent(new URL(parameters.smtpUrl).password)
  } catch {
    password = ''
  }
  return {
    name: 'email',
    async send(content) {
      try {
        await transport.sendMail({
          from: parameters.from,
          to: [...parameters.to],
          subject: `[avskit] ${content.subject}`,
          text: content.text,
        })
      } catch (error) {
        let message = redactSecrets(error instanceof Error ? error.message : String(error))
        if (password) message = message.replaceAll(password, '***')
        throw new AlertDeliveryError(`SMTP delivery failed: ${message.split('\n')[0]?.slice(0, 300)}`)
      }
    },
    async close() {
      transport.close()
    },
  }
}
