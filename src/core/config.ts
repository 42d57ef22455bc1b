/**
 * Configuration resolution, done once in the command that starts a service: flags > environment variables >
 * YAML config file > defaults. Every option is declared once (flag, env var, schema, default) and validated with
 * zod at this boundary only; a failure names the option, where the value came from and what is expected.
 */
import { readFileSync } from 'node:fs'
import { type Command, Option as CommanderOption } from 'commander'
import { parse as parseYaml } from 'yaml'
import type { z } from 'zod'
import { InvalidInputError } from './errors.js'

export type OptionDefinition<T = unknown> = {
  /** Long flag name without dashes, e.g. `eth-http-url`. */
  flag: string
  description: string
  /** Parses a string (flag, env) or a YAML value. */
  schema: z.ZodType<T>
  /** Placeholder in help; omit for a boolean switch. */
  argument?: string
  /** Environment variable; defaults to `<prefix>_<FLAG_IN_UPPER_SNAKE>`. */
  env?: string
  default?: T
  /** How `--help` shows the default, when `String(default)` would not read well (`24h` for 86400000 ms). */
  defaultText?: string
  /** Resolution fails with a message naming the flag and env var when no source gives a value. */
  required?: true
  /** The value is a credential: never echo it in errors or logs. */
  secret?: boolean
  /** Also accepted under this flag name (for drop-in compatibility with other tools); commander allows one. */
  aliases?: readonly [string] | readonly []
  /**
   * The flag may be given several times (`--operators a --operators b`): the values reach the schema joined with
   * commas, as one value would be (`--operators a,b`).
   */
  repeatable?: boolean
}

export type OptionDefinitions = Record<string, OptionDefinition>

export type ResolvedOptions<D extends OptionDefinitions> = {
  [K in keyof D]: D[K] extends OptionDefinition<infer T>
    ? D[K] extends { default: unknown } | { required: true }
      ? T
      : T | undefined
    : never
}

export type ValueSource = 'flag' | 'env' | 'config' | 'default'

/** Declares a command's options; returns them unchanged with their types inferred. */
export function defineOptions<const D extends OptionDefinitions>(definitions: D): D {
  return definitions
}

export function envName(definition: OptionDefinition, prefix: string): string {
  return definition.env ?? `${prefix}_${definition.flag.replace(/[-.]/g, '_').toUpperCase()}`
}

/** Registers the options on a commander command without defaults, so we can tell which flags were given. */
export function addOptions(command: Command, definitions: OptionDefinitions, prefix = 'AVSKIT'): Command {
  for (const definition of Object.values(definitions)) {
    const flags = [definition.flag, ...(definition.aliases ?? [])].map((f) => `--${f}`).join(', ')
    const option = new CommanderOption(
      definition.argument ? `${flags} ${definition.argument}` : flags,
      `${definition.description} [env ${envName(definition, prefix)}]${
        definition.default !== undefined && !definition.secret
          ? ` (default: ${definition.defaultText ?? String(definition.default)})`
          : ''
      }`,
    )
    if (definition.repeatable) {
      option.argParser((value: string, previous: string | undefined) =>
        previous === undefined ? value : `${previous},${value}`,
      )
    }
    command.addOption(option)
  }
  return command
}

/**
 * The attribute commander stores a flag's value under: camel-cased on dashes only, as commander does
 * (`eth-http-url` → `ethHttpUrl`; a dotted flag such as avs-sync's `log.level` stays `log.level`).
 */
function attributeName(flag: string): string {
  return flag.replace(/-([a-z0-9])/gi, (_m, c: string) => c.toUpperCase())
}

export type ResolveOptionsParameters = {
  /** What commander parsed (`command.opts()`). */
  flags: Record<string, unknown>
  env?: NodeJS.ProcessEnv | undefined
  /** Path of a YAML config file whose keys are flag names (`eth-http-url: …`). */
  configFile?: string | undefined
  prefix?: string | undefined
  /** Ignore config-file keys these definitions do not know (when resolving a subset of a command's options). */
  allowUnknownKeys?: boolean | undefined
  /**
   * Flags of other commands that a shared config file may also hold (one file serves every command run against
   * a network); only keys outside these and the definitions are refused as typos.
   */
  otherKnownKeys?: ReadonlySet<string> | undefined
}

export function resolveOptions<const D extends OptionDefinitions>(
  definitions: D,
  parameters: ResolveOptionsParameters,
): ResolvedOptions<D> {
  const env = parameters.env ?? process.env
  const prefix = parameters.prefix ?? 'AVSKIT'
  const file = parameters.configFile ? readConfigFile(parameters.configFile) : {}
  const known = new Set(Object.values(definitions).flatMap((d) => [d.flag, ...(d.aliases ?? [])]))
  for (const key of Object.keys(file)) {
    if (!parameters.allowUnknownKeys && !known.has(key) && !parameters.otherKnownKeys?.has(key) && key !== 'config') {
      throw new InvalidInputError(`Unknown key "${key}" in config file ${parameters.configFile}.`, {
        metaMessages: [`Known keys: ${[...known].sort().join(', ')}.`],
      })
    }
  }

  const resolved: Record<string, unknown> = {}
  for (const [key, definition] of Object.entries(definitions)) {
    const names = [definition.flag, ...(definition.aliases ?? [])]
    const flagValue = names.map((n) => parameters.flags[attributeName(n)]).find((v) => v !== undefined)
    const envVar = envName(definition, prefix)
    const fileValue = names.map((n) => file[n]).find((v) => v !== undefined)
    let source: ValueSource
    let raw: unknown
    if (flagValue !== undefined) [source, raw] = ['flag', flagValue]
    else if (env[envVar] !== undefined && env[envVar] !== '') [source, raw] = ['env', env[envVar]]
    else if (fileValue !== undefined) [source, raw] = ['config', fileValue]
    else {
      if (definition.required && definition.default === undefined) {
        throw new InvalidInputError(`Missing --${definition.flag} (or set ${envVar}).`)
      }
      resolved[key] = definition.default
      continue
    }
    const result = definition.schema.safeParse(raw)
    if (!result.success) {
      const where =
        source === 'flag'
          ? `--${definition.flag}`
          : source === 'env'
            ? `${envVar} (for --${definition.flag})`
            : `"${definition.flag}" in ${parameters.configFile}`
      const got = definition.secret ? '' : `, got ${JSON.stringify(raw)}`
      const expected = result.error.issues[0]?.message ?? 'a valid value'
      throw new InvalidInputError(`Invalid ${where}: ${expected}${got}.`)
    }
    resolved[key] = result.data
  }
  return resolved as ResolvedOptions<D>
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (cause) {
    throw new InvalidInputError(`Cannot read config file ${path}.`, { cause })
  }
  let parsed: unknown
  try {
    parsed = parseYaml(text)
  } catch (cause) {
    throw new InvalidInputError(`Config file ${path} is not valid YAML.`, { cause })
  }
  if (parsed === null || parsed === undefined) return {}
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new InvalidInputError(`Config file ${path} must be a YAML mapping of flag names to values.`)
  }
  return parsed as Record<string, unknown>
}
