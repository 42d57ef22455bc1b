/**
 * Option definitions and schemas shared by several commands. Each command declares its own options with
 * `defineOptions` and spreads these in.
 */
import { type Address, getAddress, isAddress } from 'viem'
import { z } from 'zod'
import { defineOptions } from '../core/config.js'
import { type LogFormat, type LogLevel, logFormats, logLevels } from '../core/logger.js'

export const addressSchema = z
  .string()
  .refine((v) => isAddress(v, { strict: false }), { message: 'expected a 0x-prefixed 20-byte hex address' })
  .transform((v) => getAddress(v) as Address)

export const urlSchema = z.string().refine(
  (v) => {
    try {
      const url = new URL(v)
      return ['http:', 'https:', 'ws:', 'wss:'].includes(url.protocol)
    } catch {
      return false
    }
  },
  { message: 'expected an http(s):// or ws(s):// URL' },
)

export const quorumsSchema = z.string().transform((v, ctx) => {
  const parts = v.split(',').map((p) => p.trim())
  const numbers = parts.map(Number)
  if (parts.some((p) => !/^\d+$/.test(p)) || numbers.some((n) => n > 191)) {
    ctx.addIssue({ code: 'custom', message: 'expected comma-separated quorum numbers from 0 to 191, like 0,1' })
    return z.NEVER
  }
  if (new Set(numbers).size !== numbers.length) {
    ctx.addIssue({ code: 'custom', message: 'expected each quorum number once' })
    return z.NEVER
  }
  return numbers.sort((a, b) => a - b)
})

export const positiveIntSchema = z.coerce.number().int().positive()

export const loggingOptions = defineOptions({
  logLevel: {
    flag: 'log-level',
    argument: '<level>',
    description: `log level (${logLevels.join(', ')})`,
    schema: z.enum(logLevels as [LogLevel, ...LogLevel[]], { message: `expected one of ${logLevels.join(', ')}` }),
    default: 'info' as LogLevel,
  },
  logFormat: {
    flag: 'log-format',
    argument: '<format>',
    description: 'log format (json, pretty); pretty in a terminal by default',
    schema: z.enum(logFormats as [LogFormat, ...LogFormat[]], { message: 'expected json or pretty' }),
  },
})

export const ethHttpUrlOption = defineOptions({
  ethHttpUrl: {
    flag: 'eth-http-url',
    argument: '<url>',
    description: 'Ethereum JSON-RPC endpoint',
    schema: urlSchema,
  },
})

/** The same option definitions, each marked required. */
export function requiredOption<const D extends Record<string, object>>(
  definitions: D,
): { [K in keyof D]: D[K] & { required: true } } {
  return Object.fromEntries(Object.entries(definitions).map(([k, d]) => [k, { ...d, required: true }])) as never
}

export const registryCoordinatorOption = defineOptions({
  registryCoordinator: {
    flag: 'registry-coordinator-addr',
    argument: '<address>',
    description: 'RegistryCoordinator address (EigenLayer M2 middleware)',
    schema: addressSchema,
    required: true,
  },
})
