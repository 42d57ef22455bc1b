/**
 * Structured logs with pino, written to stderr so that commands can print their results on stdout.
 * `json` is one object per line; `pretty` is for people (the default in a TTY). Services derive children
 * with `logger.child({ module })`. Known credential fields are redacted by pino itself.
 */
import { type Logger as PinoLogger, pino } from 'pino'
import pretty from 'pino-pretty'

export type Logger = PinoLogger
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'
export type LogFormat = 'json' | 'pretty'

export const logLevels: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']
export const logFormats: readonly LogFormat[] = ['json', 'pretty']

export type CreateLoggerParameters = {
  level?: LogLevel | undefined
  /** Defaults to `pretty` when stderr is a TTY, `json` otherwise. */
  format?: LogFormat | undefined
  /** Where to write; defaults to stderr. */
  destination?: NodeJS.WritableStream | undefined
}

const redactPaths = [
  'privateKey',
  '*.privateKey',
  'password',
  '*.password',
  'apiKey',
  '*.apiKey',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'secret',
  '*.secret',
]

export function createLogger(parameters: CreateLoggerParameters = {}): Logger {
  const destination = parameters.destination ?? process.stderr
  const format = parameters.format ?? (process.stderr.isTTY ? 'pretty' : 'json')
  const options = {
    level: parameters.level ?? 'info',
    redact: { paths: redactPaths, censor: '***' },
    base: null,
  }
  if (format === 'pretty') {
    return pino(
      options,
      pretty({ destination, colorize: destination === process.stderr && process.stderr.isTTY, sync: true }),
    )
  }
  return pino(options, destination)
}
