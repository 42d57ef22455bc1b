/**
 * How a CLI command is declared and run: options declared once (see core/config), resolved from flags > env >
 * config file > defaults, a logger built from --log-level/--log-format, and errors turned into one line on
 * stderr with an exit code (2: bad input, 1: the operation failed). Stack traces only at --log-level debug.
 */
import type { Command } from 'commander'
import {
  addOptions,
  type OptionDefinition,
  type OptionDefinitions,
  type ResolvedOptions,
  resolveOptions,
} from '../core/config.js'
import { BaseError } from '../core/errors.js'
import { createLogger, type Logger } from '../core/logger.js'
import { loggingOptions } from './commonOptions.js'

export type CommandContext<D extends OptionDefinitions> = {
  options: ResolvedOptions<D>
  logger: Logger
  /** Positional arguments, as commander parsed them. */
  args: readonly string[]
}

export type CommandSpec<D extends OptionDefinitions> = {
  name: string
  description: string
  options: D
  /** Positional arguments in commander syntax, e.g. `<index>`. */
  arguments?: string
  /**
   * Prefix of the environment variables of the options that name none (default `AVSKIT`); a drop-in replacement
   * for another tool takes that tool's (`AVS_SYNC`). `options` may also redefine `logLevel`/`logFormat`.
   */
  envPrefix?: string
  /** Returns the process exit code (default 0). */
  run: (context: CommandContext<D>) => Promise<number | undefined> | number | undefined
}

/** Set once options are resolved, so the top-level error handler knows whether to show stacks. */
let debugErrors = process.argv.some(
  (a, i, all) => /^--log-level(=|$)/.test(a) && /debug|trace/.test(a + (all[i + 1] ?? '')),
)

/** Every flag of every command: a config file shared by several commands may hold any of them. */
const allFlags = new Set<string>()

export function addCommand<D extends OptionDefinitions>(parent: Command, spec: CommandSpec<D>): Command {
  const definitions: OptionDefinitions = { ...loggingOptions, ...spec.options }
  for (const definition of Object.values<OptionDefinition>(definitions)) {
    for (const flag of [definition.flag, ...(definition.aliases ?? [])]) allFlags.add(flag)
  }
  const command = parent.command(spec.name).description(spec.description)
  if (spec.arguments) command.arguments(spec.arguments)
  command.option('--config <path>', 'YAML config file whose keys are flag names [env AVSKIT_CONFIG]')
  addOptions(command, definitions, spec.envPrefix)
  command.action(async (...actionArgs: unknown[]) => {
    const self = actionArgs[actionArgs.length - 1] as Command
    const flags = self.opts()
    const sources = {
      flags,
      configFile: (flags.config as string | undefined) ?? process.env.AVSKIT_CONFIG,
      otherKnownKeys: allFlags,
      prefix: spec.envPrefix,
    }
    const loggingDefinitions = {
      logLevel: definitions.logLevel,
      logFormat: definitions.logFormat,
    } as typeof loggingOptions
    const logging = resolveOptions(loggingDefinitions, { ...sources, allowUnknownKeys: true })
    debugErrors = logging.logLevel === 'debug' || logging.logLevel === 'trace'
    const options = resolveOptions(definitions, sources) as ResolvedOptions<D>
    const logger = createLogger({ level: logging.logLevel, format: logging.logFormat })
    const code = await spec.run({ options, logger, args: self.args })
    process.exitCode = code ?? 0
  })
  return command
}

/** Prints an error as one line (plus the stack at debug level) and returns the exit code for it. */
export function reportError(error: unknown): number {
  if (error instanceof BaseError) {
    process.stderr.write(`error: ${error.shortMessage}\n`)
    if (debugErrors) process.stderr.write(`${error.stack ?? error.message}\n${causeChain(error)}`)
    return error.exitCode
  }
  const message = error instanceof Error ? error.message : String(error)
  process.stderr.write(`error: ${new BaseError(message.split('\n')[0] ?? message).shortMessage}\n`)
  if (debugErrors && error instanceof Error) process.stderr.write(`${error.stack}\n`)
  return 1
}

function causeChain(error: Error): string {
  let text = ''
  let cause = error.cause
  while (cause instanceof Error) {
    text += `caused by: ${cause.stack ?? cause.message}\n`
    cause = cause.cause
  }
  return text
}
