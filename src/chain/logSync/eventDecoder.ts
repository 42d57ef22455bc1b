/**
 * Decoders specialised to one ABI event. viem's `decodeEventLog` interprets the ABI on every call (find the event
 * by selector, walk the parameters, convert hex to bytes and back): ~8 µs per log, a ceiling near 30k logs/s. A
 * log sync that knows its events ahead can do that work once: `createEventDecoder` turns each input into a
 * closure that reads its value straight from the log's hex strings, so a simple event costs a fraction of a
 * microsecond.
 *
 * Layout (Solidity ABI spec, "Events"): `topics[0]` is the event selector (absent for anonymous events), then one
 * topic per indexed input in order; the non-indexed inputs are ABI-encoded together as `data`. An indexed input
 * of a dynamic or composite type (string, bytes, array, tuple) is stored as the keccak of its encoding: it decodes
 * to that 32-byte topic, as in viem. Values follow viem's shapes (see `abiValueReader.ts`), so results compare
 * equal to `decodeEventLog(…).args`; addresses are lowercase unless `checksumAddresses` is set.
 */
import type { AbiEvent, DecodeEventLogReturnType, Hex } from 'viem'
import { BaseError } from '../../core/errors.js'
import { AbiDataError, type AbiValueReaderOptions, createAbiValueReader } from './abiValueReader.js'
import { topic0 } from './topic0.js'

/** The decoded inputs of `event`, by name: the type of viem's `decodeEventLog(…).args` for it. */
export type EventArgs<event extends AbiEvent> = AbiEvent extends event
  ? Record<string, unknown>
  : NonNullable<DecodeEventLogReturnType<readonly [event]>['args']>

export type EventDecoder<event extends AbiEvent = AbiEvent> = {
  readonly event: event
  /** The selector logs of this event carry in `topics[0]`; `undefined` for an anonymous event. */
  readonly topic0: Hex | undefined
  /**
   * Decodes a log of this event. It does not compare `topics[0]` with the selector: route logs by selector
   * first (a `Map` from topic0 to decoder). Throws `LogDecodeError` when the log does not fit the event.
   */
  decode(log: { readonly topics: readonly Hex[]; readonly data: Hex }): EventArgs<event>
}

export type CreateEventDecoderOptions = AbiValueReaderOptions

/** The event has something the specialised decoder does not handle; raised when the decoder is built. */
export class UnsupportedEventError extends BaseError {
  override name = 'UnsupportedEventError'
  constructor(eventName: string, reason: string, cause?: unknown) {
    super(`Cannot build a decoder for event ${eventName}: ${reason}`, { cause })
  }
}

/** A log did not decode as the event it was routed to (wrong topic count, data too short or malformed). */
export class LogDecodeError extends BaseError {
  override name = 'LogDecodeError'
  constructor(
    readonly eventName: string,
    reason: string,
    cause?: unknown,
  ) {
    super(`A log does not decode as ${eventName}: ${reason}`, { cause })
  }
}

type FieldReader = (topics: readonly Hex[], data: Hex) => unknown

/**
 * @example
 * const decoder = createEventDecoder(parseAbiItem('event Transfer(address indexed from, address indexed to, uint256 value)'))
 * const { from, to, value } = decoder.decode(log)
 */
export function createEventDecoder<const event extends AbiEvent>(
  event: event,
  options: CreateEventDecoderOptions = {},
): EventDecoder<event> {
  const name = event.name
  const firstTopic = event.anonymous ? 0 : 1
  const names: string[] = []
  const fields: FieldReader[] = []
  let topicCount = firstTopic
  let dataHeadChars = 0

  for (const [index, input] of event.inputs.entries()) {
    if (!input.name) {
      throw new UnsupportedEventError(name, `input ${index} has no name (the decoder returns arguments by name).`)
    }
    if (names.includes(input.name)) throw new UnsupportedEventError(name, `two inputs are named ${input.name}.`)
    let reader: ReturnType<typeof createAbiValueReader>
    try {
      reader = createAbiValueReader(input, options)
    } catch (error) {
      throw new UnsupportedEventError(name, `input ${input.name}: ${(error as BaseError).shortMessage}`, error)
    }
    names.push(input.name)
    if (input.indexed) {
      const topicIndex = topicCount++
      const hashed = reader.dynamic || /\]$/.test(input.type) || input.type === 'tuple'
      fields.push(hashed ? (topics) => topics[topicIndex] : (topics) => reader.read(topics[topicIndex]!, 2, 2))
    } else {
      const pos = 2 + dataHeadChars
      dataHeadChars += reader.headChars
      const read = reader.read
      fields.push((_topics, data) => read(data, pos, 2))
    }
  }

  const minDataChars = 2 + dataHeadChars
  const count = fields.length

  function decode(log: { readonly topics: readonly Hex[]; readonly data: Hex }): EventArgs<event> {
    const { topics, data } = log
    if (topics.length < topicCount) {
      throw new LogDecodeError(name, `expected ${topicCount} topics, got ${topics.length}.`)
    }
    if (data.length < minDataChars) {
      throw new LogDecodeError(
        name,
        `expected at least ${(minDataChars - 2) / 2} bytes of data, got ${(data.length - 2) / 2}.`,
      )
    }
    const args: Record<string, unknown> = {}
    try {
      for (let i = 0; i < count; i++) args[names[i]!] = fields[i]!(topics, data)
    } catch (error) {
      if (error instanceof AbiDataError) throw new LogDecodeError(name, `${error.message}.`, error)
      // A non-hex digit makes BigInt throw a SyntaxError.
      throw new LogDecodeError(name, 'the log holds something other than hex.', error)
    }
    return args as EventArgs<event>
  }

  return { event, topic0: event.anonymous ? undefined : topic0(event), decode }
}
