import fc from 'fast-check'
import {
  type AbiEvent,
  type AbiParameter,
  bytesToHex,
  decodeEventLog,
  encodeAbiParameters,
  type Hex,
  parseAbiItem,
  toEventSelector,
} from 'viem'
import { describe, expect, test } from 'vitest'
import { UnsupportedAbiTypeError } from './abiValueReader.js'
import { createEventDecoder, LogDecodeError, UnsupportedEventError } from './eventDecoder.js'
import { topic0 } from './topic0.js'

type Param = AbiParameter & { components?: readonly Param[] }

const hexOf = (size: number) => fc.uint8Array({ minLength: size, maxLength: size }).map((bytes) => bytesToHex(bytes))

const staticLeaf: fc.Arbitrary<Param> = fc.oneof(
  fc.integer({ min: 1, max: 32 }).map((n) => ({ type: `uint${n * 8}` })),
  fc.integer({ min: 1, max: 32 }).map((n) => ({ type: `int${n * 8}` })),
  fc.integer({ min: 1, max: 32 }).map((n) => ({ type: `bytes${n}` })),
  fc.constantFrom<Param>({ type: 'address' }, { type: 'bool' }),
)
const dynamicLeaf = fc.constantFrom<Param>({ type: 'bytes' }, { type: 'string' })

/** Any supported ABI parameter type: leaves, arrays (dynamic and fixed) and tuples, nested a few levels. */
const paramType: fc.Arbitrary<Param> = fc.letrec<{ param: Param; array: Param; tuple: Param }>((tie) => ({
  param: fc.oneof({ maxDepth: 3, depthIdentifier: 'abi' }, staticLeaf, dynamicLeaf, tie('array'), tie('tuple')),
  array: fc
    .record({ inner: tie('param'), length: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }) })
    .map(({ inner, length }) => ({ ...inner, type: `${inner.type}[${length ?? ''}]` })),
  tuple: fc
    .record({ components: fc.array(tie('param'), { minLength: 1, maxLength: 3 }), named: fc.boolean() })
    .map(({ components, named }) => ({
      type: 'tuple',
      components: components.map((component, i) => (named ? { ...component, name: `c${i}` } : component)),
    })),
})).param

/** A value of `param`'s type that viem can encode. */
function valueArbitrary(param: Param): fc.Arbitrary<unknown> {
  const array = /^(.*)\[(\d*)\]$/.exec(param.type)
  if (array) {
    const element = valueArbitrary({ ...param, type: array[1]! })
    const length = array[2] === '' ? undefined : Number(array[2])
    return fc.array(element, { minLength: length ?? 0, maxLength: length ?? 4 })
  }
  if (param.type === 'tuple') {
    const components = param.components ?? []
    if (components.every((component) => component.name)) {
      return fc.record(Object.fromEntries(components.map((component) => [component.name!, valueArbitrary(component)])))
    }
    return fc.tuple(...components.map(valueArbitrary))
  }
  if (param.type === 'address') return hexOf(20)
  if (param.type === 'bool') return fc.boolean()
  if (param.type === 'bytes') return fc.uint8Array({ maxLength: 70 }).map((bytes) => bytesToHex(bytes))
  if (param.type === 'string') return fc.string({ unit: 'binary', maxLength: 40 })
  const fixed = /^bytes(\d+)$/.exec(param.type)
  if (fixed) return hexOf(Number(fixed[1]))
  const integer = /^(u?)int(\d+)$/.exec(param.type)!
  const bits = BigInt(integer[2]!)
  return integer[1] === 'u'
    ? fc.bigInt({ min: 0n, max: (1n << bits) - 1n })
    : fc.bigInt({ min: -(1n << (bits - 1n)), max: (1n << (bits - 1n)) - 1n })
}

const isHashedWhenIndexed = (param: Param) =>
  param.type === 'string' || param.type === 'bytes' || param.type === 'tuple' || param.type.endsWith(']')

/** An event with 0–3 indexed and 0–4 other inputs, sometimes anonymous, and one log of it. */
const eventWithLog = fc
  .record({
    indexed: fc.array(paramType, { maxLength: 3 }),
    other: fc.array(paramType, { maxLength: 4 }),
    anonymous: fc.boolean(),
  })
  .filter(({ indexed, other }) => indexed.length + other.length > 0)
  .chain(({ indexed, other, anonymous }) => {
    const inputs = [
      ...indexed.map((param, i) => ({ ...param, name: `i${i}`, indexed: true })),
      ...other.map((param, i) => ({ ...param, name: `d${i}`, indexed: false })),
    ]
    const event = { type: 'event', name: 'E', anonymous, inputs } as AbiEvent
    const topicArbs = indexed.map((param) =>
      // viem cannot encode indexed composites (nor can anyone decode them): any 32 bytes stand for the hash.
      isHashedWhenIndexed(param)
        ? hexOf(32)
        : valueArbitrary(param).map((value) => encodeAbiParameters([param], [value])),
    )
    return fc
      .record({ topics: fc.tuple(...topicArbs), values: fc.tuple(...other.map(valueArbitrary)) })
      .map(({ topics, values }) => ({
        event,
        log: {
          topics: (anonymous ? topics : [toEventSelector(event), ...topics]) as Hex[],
          data: other.length === 0 ? ('0x' as Hex) : encodeAbiParameters(other, values),
        },
      }))
  })

function viemArgs(event: AbiEvent, log: { topics: Hex[]; data: Hex }) {
  return decodeEventLog({ abi: [event], eventName: event.name, topics: log.topics as [Hex], data: log.data }).args
}

function lowercaseStrings(value: unknown): unknown {
  if (typeof value === 'string') return value.toLowerCase()
  if (Array.isArray(value)) return value.map(lowercaseStrings)
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, lowercaseStrings(item)]))
  }
  return value
}

describe('createEventDecoder', () => {
  test('decodes every supported type as viem decodeEventLog does (checksummed addresses)', () => {
    fc.assert(
      fc.property(eventWithLog, ({ event, log }) => {
        expect(createEventDecoder(event, { checksumAddresses: true }).decode(log)).toEqual(viemArgs(event, log))
      }),
      { numRuns: 400 },
    )
  })

  test('returns lowercase addresses by default, otherwise the same values', () => {
    fc.assert(
      fc.property(eventWithLog, ({ event, log }) => {
        const decoded = createEventDecoder(event).decode(log)
        expect(lowercaseStrings(decoded)).toEqual(lowercaseStrings(viemArgs(event, log)))
        for (const [name, value] of Object.entries(decoded)) {
          const input = event.inputs.find((item) => item.name === name)!
          if (input.type === 'address' && !input.indexed) expect(value).toBe((value as string).toLowerCase())
        }
      }),
      { numRuns: 200 },
    )
  })

  test('decodes the registry events it is built for', () => {
    const validatorAdded = parseAbiItem(
      'event ValidatorAdded(address indexed owner, uint64[] operatorIds, bytes publicKey, bytes shares)',
    )
    const owner = '0x00000000000000000000000000000000000000aa'
    const log = {
      topics: [topic0(validatorAdded), encodeAbiParameters([{ type: 'address' }], [owner])] as Hex[],
      data: encodeAbiParameters(
        [{ type: 'uint64[]' }, { type: 'bytes' }, { type: 'bytes' }],
        [[1n, 2n, 7n], `0x${'11'.repeat(48)}`, '0x'],
      ),
    }
    expect(createEventDecoder(validatorAdded).decode(log)).toEqual({
      owner,
      operatorIds: [1n, 2n, 7n],
      publicKey: `0x${'11'.repeat(48)}`,
      shares: '0x',
    })
  })

  test('refuses at build time what it cannot decode, naming the event and the input', () => {
    const event = (name: string, inputs: AbiEvent['inputs']) => ({ type: 'event', name, inputs }) as AbiEvent
    const price = event('Price', [{ name: 'value', type: 'fixed128x18' }])
    expect(() => createEventDecoder(price)).toThrow(UnsupportedEventError)
    expect(() => createEventDecoder(price)).toThrow(/event Price: input value: .*fixed128x18.*fixed-point/)
    expect(() => createEventDecoder(event('Unnamed', [{ type: 'uint256' }]))).toThrow(/input 0 has no name/)
    expect(() => createEventDecoder(event('Odd', [{ name: 'x', type: 'uint7' }]))).toThrow(/uint7.*multiple of 8/)
    expect(() => createEventDecoder(event('Wide', [{ name: 'x', type: 'bytes33' }]))).toThrow(/bytes33/)
    const twice = event('Twice', [
      { name: 'x', type: 'uint8' },
      { name: 'x', type: 'uint16' },
    ])
    expect(() => createEventDecoder(twice)).toThrow(/two inputs are named x/)
    const callback = event('F', [{ name: 'callback', type: 'function' }])
    expect(() => createEventDecoder(callback)).toThrow(/function pointers/)
    let caught: unknown
    try {
      createEventDecoder(event('Nested', [{ name: 'list', type: 'ufixed64x2[]' }]))
    } catch (error) {
      caught = error
    }
    expect((caught as UnsupportedEventError).walk()).toBeInstanceOf(UnsupportedAbiTypeError)
  })

  test('rejects logs that do not fit the event with LogDecodeError', () => {
    const decoder = createEventDecoder(parseAbiItem('event Named(address indexed who, string name, uint256 fee)'))
    const who = encodeAbiParameters([{ type: 'address' }], ['0x00000000000000000000000000000000000000aa'])
    const good = encodeAbiParameters([{ type: 'string' }, { type: 'uint256' }], ['avskit', 5n])
    const topics = [decoder.topic0!, who]
    expect(decoder.decode({ topics, data: good })).toMatchObject({ name: 'avskit', fee: 5n })
    expect(() => decoder.decode({ topics: [decoder.topic0!], data: good })).toThrow(/expected 2 topics, got 1/)
    expect(() => decoder.decode({ topics, data: '0x' })).toThrow(/expected at least 64 bytes of data, got 0/)
    // The string's offset (first word) pointing far past the end.
    const farOffset = `0x${'0'.repeat(60)}ffff${good.slice(66)}` as Hex
    expect(() => decoder.decode({ topics, data: farOffset })).toThrow(LogDecodeError)
    // A length running past the end.
    const truncated = good.slice(0, good.length - 64) as Hex
    expect(() => decoder.decode({ topics, data: truncated })).toThrow(/runs past the end/)
    const notHex = `0x${'zz'.repeat(96)}` as Hex
    expect(() => decoder.decode({ topics, data: notHex })).toThrow(LogDecodeError)
    // A non-hex digit in the fee word (the second), in a small value and in a large one: never a wrong number.
    const feeAt = 2 + 64
    for (const fee of [`${'0'.repeat(62)}5z`, `f${'0'.repeat(62)}z`]) {
      const badFee = `${good.slice(0, feeAt)}${fee}${good.slice(feeAt + 64)}` as Hex
      expect(() => decoder.decode({ topics, data: badFee })).toThrow(/non-hex digit|something other than hex/)
    }
  })

  test('reads uint64 and narrow integers digit by digit, refusing a non-hex digit instead of stopping at it', () => {
    const decoder = createEventDecoder(parseAbiItem('event Sized(uint32 small, uint64 id, uint96 wide)'))
    const values = [4_000_000_000, 2n ** 64n - 1n, 2n ** 96n - 1n] as const
    const data = encodeAbiParameters([{ type: 'uint32' }, { type: 'uint64' }, { type: 'uint96' }], [...values])
    expect(decoder.decode({ topics: [decoder.topic0!], data })).toEqual({
      small: values[0],
      id: values[1],
      wide: values[2],
    })
    for (const word of [0, 1, 2]) {
      const at = 2 + 64 * word + 63
      const bad = `${data.slice(0, at)}g${data.slice(at + 1)}` as Hex
      expect(() => decoder.decode({ topics: [decoder.topic0!], data: bad }), `word ${word}`).toThrow(/non-hex digit/)
    }
  })
})

describe('topic0', () => {
  test('is the selector of the canonical signature', () => {
    const event = parseAbiItem('event Transfer(address indexed from, address indexed to, uint256 value)')
    expect(topic0(event)).toBe('0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef')
    expect(createEventDecoder(event).topic0).toBe(topic0(event))
  })

  test('refuses anonymous events, which carry no selector', () => {
    const event = {
      type: 'event',
      name: 'Ping',
      anonymous: true,
      inputs: [{ name: 'n', type: 'uint256', indexed: true }],
    } as const
    expect(() => topic0(event)).toThrow(/anonymous/)
    expect(createEventDecoder(event).topic0).toBeUndefined()
  })
})
