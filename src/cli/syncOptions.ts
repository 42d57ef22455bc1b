/**
 * The flags of `avskit sync`: avs-sync's, with the same names, defaults and `AVS_SYNC_*` environment variables
 * (Layr-Labs/avs-sync `flags.go` and `logger_config.go`), plus avskit's own (diff, gas cap, staleness, lock store).
 * avs-sync's Fireblocks and AWS Secrets Manager flags are recognised and refused: avskit never changes signer
 * silently, it asks for a key it supports.
 */
import { z } from 'zod'
import { defineOptions } from '../core/config.js'
import { InvalidInputError } from '../core/errors.js'
import { parseGoDuration } from '../core/goDuration.js'
import { type LogFormat, type LogLevel, logLevels } from '../core/logger.js'
import { parseEcdsaPrivateKey } from '../crypto/index.js'
import { parseTimeOfDay } from '../stakesync/index.js'
import { addressSchema, quorumsSchema, urlSchema } from './commonOptions.js'
import { databaseOptions } from './databaseOptions.js'
import { signerKeyOptions } from './keyOptions.js'

/** A Go duration (`24h`, `90s`, `1h30m`, `0`) in milliseconds. */
export const goDurationSchema = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const ms = parseGoDuration(String(value))
  if (ms === undefined || ms < 0) {
    ctx.addIssue({ code: 'custom', message: 'expected a Go duration like 24h, 90s, 1h30m or 0' })
    return z.NEVER
  }
  return Math.round(ms)
})

/** true/false as Go's flag package takes them (`--x`, `--x=false`, env `true`/`1`/`false`/`0`). */
export const boolishSchema = z.union([z.boolean(), z.string()]).transform((value, ctx) => {
  if (typeof value === 'boolean') return value
  const normalised = value.trim().toLowerCase()
  if (['true', '1', 't', 'yes'].includes(normalised)) return true
  if (['false', '0', 'f', 'no'].includes(normalised)) return false
  ctx.addIssue({ code: 'custom', message: 'expected true or false' })
  return z.NEVER
})

const operatorsSchema = z.string().transform((value, ctx) => {
  const parts = value
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '')
  const parsed = parts.map((p) => addressSchema.safeParse(p))
  const bad = parts.find((_, i) => !parsed[i]?.success)
  if (bad !== undefined || parts.length === 0) {
    ctx.addIssue({
      code: 'custom',
      message: `expected 0x-prefixed 20-byte hex addresses, comma-separated${bad ? ` (bad: ${bad})` : ''}`,
    })
    return z.NEVER
  }
  const addresses = parsed.map((p) => p.data as `0x${string}`)
  if (new Set(addresses).size !== addresses.length) {
    ctx.addIssue({ code: 'custom', message: 'expected each operator once' })
    return z.NEVER
  }
  return addresses
})

/** avs-sync's `:9090` (every interface) or host:port; empty: no metrics server. */
const metricsAddrSchema = z
  .string()
  .regex(/^((\[[^\]]+\]|[^:\s]*):\d{1,5})?$/, { message: 'expected host:port or :port, like :9090 or 127.0.0.1:9090' })
  .transform((v) => (v.startsWith(':') ? `0.0.0.0${v}` : v))

const logLevelSchema = z
  .string()
  .transform((v) => v.trim().toLowerCase())
  .pipe(z.enum(logLevels as [LogLevel, ...LogLevel[]], { message: `expected one of ${logLevels.join(', ')}` }))

const logFormatSchema = z
  .string()
  .transform((v) => v.trim().toLowerCase())
  .pipe(z.enum(['json', 'text', 'pretty'], { message: 'expected json, text or pretty' }))
  .transform((v): LogFormat => (v === 'json' ? 'json' : 'pretty'))

const gasSchema = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const text = String(value).trim().replace(/_/g, '')
  if (!/^\d+$/.test(text) || BigInt(text) < 21_000n) {
    ctx.addIssue({ code: 'custom', message: 'expected a whole amount of gas of at least 21000' })
    return z.NEVER
  }
  return BigInt(text)
})

const ecdsaPrivateKeySchema = z.string().refine(
  (value) => {
    try {
      parseEcdsaPrivateKey(value)
      return true
    } catch {
      return false
    }
  },
  { message: 'expected a secp256k1 private key as 64 hex digits (0x optional)' },
)

/** Flags of avs-sync that avskit refuses, with what they were for. */
const refusedFlags = defineOptions({
  useFireblocks: {
    flag: 'use-fireblocks',
    argument: '[bool]',
    description: 'refused: avskit does not sign with Fireblocks (avs-sync flag)',
    schema: boolishSchema,
  },
  fireblocksApiKey: {
    flag: 'fireblocks-api-key',
    argument: '<key>',
    description: 'refused: avskit does not sign with Fireblocks (avs-sync flag)',
    schema: z.string(),
    secret: true,
  },
  fireblocksApiSecretPath: {
    flag: 'fireblocks-api-secret-path',
    argument: '<path>',
    description: 'refused: avskit does not sign with Fireblocks (avs-sync flag)',
    schema: z.string(),
  },
  fireblocksApiUrl: {
    flag: 'fireblocks-api-url',
    argument: '<url>',
    description: 'refused: avskit does not sign with Fireblocks (avs-sync flag)',
    schema: z.string(),
  },
  fireblocksVaultAccountName: {
    flag: 'fireblocks-vault-account-name',
    argument: '<name>',
    description: 'refused: avskit does not sign with Fireblocks (avs-sync flag)',
    schema: z.string(),
  },
  secretManagerRegion: {
    flag: 'secret-manager-region',
    argument: '<region>',
    description: 'refused: avskit does not read keys from AWS Secrets Manager (avs-sync flag)',
    schema: z.string(),
  },
  secretManagerEcdsaPrivateKeyName: {
    flag: 'secret-manager-ecdsa-private-key-name',
    argument: '<name>',
    description: 'refused: avskit does not read keys from AWS Secrets Manager (avs-sync flag)',
    schema: z.string(),
  },
  secretManagerFireblocksApiKeyName: {
    flag: 'secret-manager-fireblocks-api-key-name',
    argument: '<name>',
    description: 'refused: avskit does not read keys from AWS Secrets Manager (avs-sync flag)',
    schema: z.string(),
  },
  secretManagerFireblocksApiSecretName: {
    flag: 'secret-manager-fireblocks-api-secret-name',
    argument: '<name>',
    description: 'refused: avskit does not read keys from AWS Secrets Manager (avs-sync flag)',
    schema: z.string(),
  },
})

export const syncOptions = defineOptions({
  registryCoordinator: {
    flag: 'registry-coordinator-addr',
    argument: '<address>',
    description: 'the AVS RegistryCoordinator (EigenLayer M2)',
    schema: addressSchema,
    required: true,
  },
  operatorStateRetriever: {
    flag: 'operator-state-retriever-addr',
    argument: '<address>',
    description: 'the OperatorStateRetriever',
    schema: addressSchema,
    required: true,
  },
  serviceManager: {
    flag: 'service-manager-addr',
    argument: '<address>',
    description: "the AVS ServiceManager; when given, checked against the RegistryCoordinator's at start",
    schema: addressSchema,
  },
  ethHttpUrl: {
    flag: 'eth-http-url',
    argument: '<url>',
    description: 'Ethereum JSON-RPC endpoint',
    schema: urlSchema,
    required: true,
  },
  syncInterval: {
    flag: 'sync-interval',
    argument: '<duration>',
    description: 'time between rounds, Go syntax (24h, 30m, 90s); 0 runs one round and exits',
    schema: goDurationSchema,
    default: 86_400_000,
    defaultText: '24h',
  },
  firstSyncTime: {
    flag: 'first-sync-time',
    argument: '<HH:MM:SS>',
    description: 'UTC time of day of the first round (then every --sync-interval); default: at once',
    schema: z.string().transform((value, ctx) => {
      try {
        return parseTimeOfDay(value)
      } catch {
        ctx.addIssue({ code: 'custom', message: 'expected a UTC time of day as HH:MM:SS, like 00:30:00' })
        return z.NEVER
      }
    }),
  },
  operators: {
    flag: 'operators',
    argument: '<addresses>',
    description: 'update only these operators (updateOperators), comma-separated or repeated',
    schema: operatorsSchema,
    repeatable: true,
  },
  quorums: {
    flag: 'quorums',
    argument: '<numbers>',
    description: 'quorums to update, comma-separated or repeated (default: every quorum)',
    schema: quorumsSchema,
    repeatable: true,
  },
  fetchQuorumsDynamically: {
    flag: 'fetch-quorums-dynamically',
    argument: '[bool]',
    description: 'read quorumCount() every round and update every quorum (default: true unless --quorums is given)',
    schema: boolishSchema,
  },
  readerTimeout: {
    flag: 'reader-timeout-duration',
    argument: '<duration>',
    description: 'timeout of each read from the node (Go duration)',
    schema: goDurationSchema.refine((ms) => ms > 0, { message: 'expected a duration above 0' }),
    default: 5_000,
    defaultText: '5s',
  },
  writerTimeout: {
    flag: 'writer-timeout-duration',
    argument: '<duration>',
    description: 'how long to wait for a transaction to be mined (Go duration)',
    schema: goDurationSchema.refine((ms) => ms > 0, { message: 'expected a duration above 0' }),
    default: 90_000,
    defaultText: '90s',
  },
  retrySyncNTimes: {
    flag: 'retry-sync-n-times',
    argument: '<n>',
    description: 'attempts per update (each re-reads the quorum) and per read',
    schema: z.coerce
      .number()
      .int()
      .min(1, { message: 'expected at least 1' })
      .max(100, { message: 'expected at most 100' }),
    default: 3,
  },
  ecdsaPrivateKey: {
    flag: 'ecdsa-private-key',
    argument: '<hex>',
    description: 'key of the account that sends the updates (or --ecdsa-keystore)',
    schema: ecdsaPrivateKeySchema,
    secret: true,
  },
  ecdsaKeystore: {
    ...signerKeyOptions.ecdsaKeystore,
    description: 'keystore (Web3 Secret Storage v3) of the sending account',
  },
  ecdsaPasswordFile: signerKeyOptions.ecdsaPasswordFile,
  metricsAddr: {
    flag: 'metrics-addr',
    argument: '<host:port>',
    description: 'serve /metrics, /health and /ready here (:9090 is every interface; empty: none)',
    schema: metricsAddrSchema,
    env: 'AVS_SYNC_PROMETHEUS_SERVER_ADDR',
    default: '0.0.0.0:9090',
    defaultText: ':9090',
  },
  logLevel: {
    flag: 'log.level',
    aliases: ['log-level'],
    argument: '<level>',
    description: `log level (${logLevels.join(', ')}; any case)`,
    schema: logLevelSchema,
    default: 'info' as LogLevel,
  },
  logFormat: {
    flag: 'log.format',
    aliases: ['log-format'],
    argument: '<format>',
    description: 'log format: json, or text (= pretty); pretty in a terminal by default',
    schema: logFormatSchema,
  },
  logPath: {
    flag: 'log.path',
    argument: '<file>',
    description: 'also append the logs to this file',
    schema: z.string().min(1),
  },
  dontUseAllocationManager: {
    flag: 'dont-use-allocation-manager',
    argument: '[bool]',
    description: 'accepted for avs-sync compatibility; avskit never calls the AllocationManager',
    schema: boolishSchema,
  },
  force: {
    flag: 'force',
    description: 'send every quorum update even when no stake changed (as avs-sync does)',
    schema: boolishSchema,
    default: false,
  },
  dryRun: {
    flag: 'dry-run',
    description: 'print the plan (quorums, changed stakes old → new, gas estimates) and send nothing',
    schema: boolishSchema,
    default: false,
  },
  maxGasPerTx: {
    flag: 'max-gas-per-tx',
    argument: '<gas>',
    description:
      'a quorum whose full update needs more gets only its changed operators, in updateOperators chunks that fit',
    schema: gasSchema,
  },
  maxStaleness: {
    flag: 'max-staleness',
    argument: '<duration>',
    description: "alert (log, metric, webhook) when a quorum's last full update is older; refresh quorums before that",
    schema: goDurationSchema.refine((ms) => ms > 0, { message: 'expected a duration above 0' }),
  },
  alertWebhookUrl: {
    flag: 'alert-webhook-url',
    argument: '<url>',
    description: 'POST a JSON alert here when a quorum turns stale and when it recovers (with --max-staleness)',
    schema: urlSchema,
    secret: true,
  },
  ...databaseOptions,
  ...refusedFlags,
})

type ResolvedRefused = { [K in keyof typeof refusedFlags]?: unknown }

/** Refuses avs-sync's Fireblocks / AWS Secrets Manager flags, naming the first one given and what to use instead. */
export function assertSupportedSigner(options: ResolvedRefused): void {
  const given = (Object.keys(refusedFlags) as (keyof typeof refusedFlags)[]).find((key) => {
    const value = options[key]
    return key === 'useFireblocks' ? value === true : value !== undefined && value !== ''
  })
  if (!given) return
  const flag = refusedFlags[given].flag
  const what = flag.startsWith('secret-manager') ? 'keys from AWS Secrets Manager' : 'signing through Fireblocks'
  // One line (the CLI prints the short message): what is refused and what to use instead.
  throw new InvalidInputError(
    `--${flag}: avskit sync does not support ${what}; give the sending account's key with --ecdsa-private-key (or AVS_SYNC_ECDSA_PRIVATE_KEY) or as a keystore with --ecdsa-keystore and --ecdsa-key-password-file.`,
  )
}

/** The quorums to sync: undefined for every quorum (read each round), or the given list. */
export function quorumSelection(options: {
  quorums?: number[] | undefined
  operators?: readonly string[] | undefined
  fetchQuorumsDynamically?: boolean | undefined
}): number[] | undefined {
  if (options.operators !== undefined && options.quorums !== undefined) {
    throw new InvalidInputError(
      '--quorums does not apply with --operators: updateOperators updates each given operator in all of its quorums.',
    )
  }
  if (options.quorums !== undefined && options.fetchQuorumsDynamically === true) {
    throw new InvalidInputError(
      '--quorums and --fetch-quorums-dynamically=true contradict each other: give one (avs-sync silently ignored --quorums).',
    )
  }
  if (options.quorums === undefined && options.fetchQuorumsDynamically === false && options.operators === undefined) {
    throw new InvalidInputError('--fetch-quorums-dynamically=false needs --quorums (the quorums to update).')
  }
  return options.quorums
}
