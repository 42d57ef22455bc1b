import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Command } from 'commander'
import { describe, expect, test } from 'vitest'
import { z } from 'zod'
import { addOptions, defineOptions, type OptionDefinitions, resolveOptions } from './config.js'
import { InvalidInputError } from './errors.js'

const definitions = defineOptions({
  port: { flag: 'port', argument: '<n>', description: 'port', schema: z.coerce.number().int().positive(), default: 80 },
  url: { flag: 'eth-http-url', argument: '<url>', description: 'rpc', schema: z.string().url() },
  key: { flag: 'api-key', argument: '<key>', description: 'key', schema: z.string().min(10), secret: true },
})

function configFile(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'avskit-config-')), 'config.yaml')
  writeFileSync(path, text)
  return path
}

describe('resolveOptions', () => {
  test('uses the default when nothing is given', () => {
    expect(resolveOptions(definitions, { flags: {}, env: {} })).toEqual({ port: 80, url: undefined, key: undefined })
  })

  test('takes flags over env over config file over defaults', () => {
    const file = configFile('port: 1\neth-http-url: http://file\n')
    expect(resolveOptions(definitions, { flags: {}, env: {}, configFile: file }).port).toBe(1)
    expect(resolveOptions(definitions, { flags: {}, env: { AVSKIT_PORT: '2' }, configFile: file }).port).toBe(2)
    expect(
      resolveOptions(definitions, { flags: { port: '3' }, env: { AVSKIT_PORT: '2' }, configFile: file }).port,
    ).toBe(3)
    expect(resolveOptions(definitions, { flags: {}, env: {}, configFile: file }).url).toBe('http://file')
  })

  test('names the flag and the bad value when a flag is invalid', () => {
    expect(() => resolveOptions(definitions, { flags: { port: 'abc' }, env: {} })).toThrowError(
      /Invalid --port: .*got "abc"/,
    )
  })

  test('names the environment variable when the env value is invalid', () => {
    expect(() => resolveOptions(definitions, { flags: {}, env: { AVSKIT_ETH_HTTP_URL: 'nope' } })).toThrowError(
      /Invalid AVSKIT_ETH_HTTP_URL \(for --eth-http-url\)/,
    )
  })

  test('never echoes the value of a secret option', () => {
    try {
      resolveOptions(definitions, { flags: { apiKey: 'short' }, env: {} })
      expect.unreachable()
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidInputError)
      expect((error as Error).message).toContain('--api-key')
      expect((error as Error).message).not.toContain('short')
    }
  })

  test('names the flag and env var of a required option that has no value', () => {
    const required = defineOptions({
      url: { flag: 'eth-http-url', argument: '<url>', description: 'rpc', schema: z.string(), required: true },
    })
    expect(() => resolveOptions(required, { flags: {}, env: {} })).toThrowError(
      'Missing --eth-http-url (or set AVSKIT_ETH_HTTP_URL).',
    )
    expect(resolveOptions(required, { flags: {}, env: { AVSKIT_ETH_HTTP_URL: 'x' } }).url).toBe('x')
  })

  test('rejects an unknown key in the config file', () => {
    const file = configFile('prot: 1\n')
    expect(() => resolveOptions(definitions, { flags: {}, env: {}, configFile: file })).toThrowError(
      /Unknown key "prot"/,
    )
  })

  test('rejects a config file that is not a mapping or not YAML', () => {
    expect(() =>
      resolveOptions(definitions, { flags: {}, env: {}, configFile: configFile('- 1\n- 2\n') }),
    ).toThrowError(/must be a YAML mapping/)
    expect(() => resolveOptions(definitions, { flags: {}, env: {}, configFile: configFile('a: [1\n') })).toThrowError(
      /not valid YAML/,
    )
    expect(() => resolveOptions(definitions, { flags: {}, env: {}, configFile: '/nonexistent/x.yaml' })).toThrowError(
      /Cannot read config file/,
    )
  })

  test('reads dotted flags and aliases as commander parsed them', () => {
    const dotted = defineOptions({
      level: {
        flag: 'log.level',
        argument: '<level>',
        description: 'level',
        schema: z.string(),
        aliases: ['log-level'],
      },
      format: { flag: 'log.format', argument: '<format>', description: 'format', schema: z.string() },
      url: { flag: 'eth-http-url', argument: '<url>', description: 'rpc', schema: z.string() },
    })
    const parse = (argv: string[], env: NodeJS.ProcessEnv = {}) =>
      resolveOptions(dotted, { flags: parsed(dotted, argv), env, prefix: 'AVS_SYNC' })
    expect(parse(['--log.level', 'debug', '--log.format', 'json', '--eth-http-url', 'x'])).toEqual({
      level: 'debug',
      format: 'json',
      url: 'x',
    })
    expect(parse(['--log-level', 'warn']).level).toBe('warn')
    expect(parse([], { AVS_SYNC_LOG_LEVEL: 'error', AVS_SYNC_LOG_FORMAT: 'text' })).toMatchObject({
      level: 'error',
      format: 'text',
    })
  })

  test('joins the values of a repeatable flag with commas', () => {
    const lists = defineOptions({
      operators: {
        flag: 'operators',
        argument: '<list>',
        description: 'operators',
        schema: z.string().transform((v) => v.split(',')),
        repeatable: true,
      },
      one: { flag: 'one', argument: '<v>', description: 'one value', schema: z.string() },
    })
    const resolve = (argv: string[]) => resolveOptions(lists, { flags: parsed(lists, argv), env: {} })
    expect(resolve(['--operators', 'a', '--operators', 'b,c']).operators).toEqual(['a', 'b', 'c'])
    expect(resolve(['--operators', 'a']).operators).toEqual(['a'])
    expect(resolve(['--one', 'a', '--one', 'b']).one).toBe('b')
  })
})

describe('addOptions', () => {
  test('shows a default as its defaultText in the help, and the env var of the given prefix', () => {
    const command = addOptions(
      new Command('test'),
      defineOptions({
        interval: {
          flag: 'sync-interval',
          argument: '<d>',
          description: 'interval',
          schema: z.number(),
          default: 86_400_000,
          defaultText: '24h',
        },
      }),
      'AVS_SYNC',
    )
    expect(command.helpInformation()).toMatch(/interval \[env AVS_SYNC_SYNC_INTERVAL\] \(default: 24h\)/)
  })
})

function parsed(definitions: OptionDefinitions, argv: string[]): Record<string, unknown> {
  const command = addOptions(new Command('test').exitOverride(), definitions)
  command.parse(argv, { from: 'user' })
  return command.opts()
}
