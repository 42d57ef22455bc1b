/**
 * Reads an `eth_getLogs` answer (`{"jsonrpc": "2.0", "id": …, "result": [log, …]}`) straight from the body text
 * into `LogRecord`s, without `JSON.parse`. `JSON.parse` copies every string of the answer into a string of its own
 * and builds an object per log that is then copied again into a record; a backfill answer is megabytes of mostly
 * `data` hex (about 1,300 bytes a registry log), so those copies, and the garbage collection that moves them, were
 * a large share of a backfill's CPU. Here each string is a slice of the body (V8 keeps a slice as a reference into
 * its parent, no copy) and each log becomes its record directly. A record therefore keeps its answer's body alive
 * for as long as it is referenced: log sync drops a batch's records once it is committed.
 *
 * Anything this reader does not expect makes it answer `undefined`, and the caller parses the body with
 * `JSON.parse` and `toLogRecords` instead, which gives the same records or the error that explains the body: an
 * escape anywhere in the body (hex never needs one), an `error` member, a log member whose value is not a string
 * (or, for `topics`, an array of strings), an unknown member holding an array or object, a log without block
 * number, block hash or topics (pending), or anything that is not JSON. Members may come in any order and with any
 * whitespace (RFC 8259); the last of two equal names wins, as in `JSON.parse`. Unlike `JSON.parse` it does not look
 * for raw control characters inside strings: the values it keeps are the node's hex strings, taken as the node
 * sent them, as before.
 */
import type { Address, Hex } from 'viem'
import type { LogRecord } from './types.js'

const QUOTE = 0x22
const COMMA = 0x2c
const COLON = 0x3a
const OPEN_BRACKET = 0x5b
const CLOSE_BRACKET = 0x5d
const OPEN_BRACE = 0x7b
const CLOSE_BRACE = 0x7d

/** Thrown inside the reader when the body is not the shape it reads; the caller falls back to `JSON.parse`. */
const unreadable = new Error('not a plain eth_getLogs answer')

/** Slots of the string members a record is made from (`topics` is an array, read apart). */
const ADDRESS = 0
const DATA = 1
const BLOCK_NUMBER = 2
const BLOCK_HASH = 3
const TRANSACTION_HASH = 4
const TRANSACTION_INDEX = 5
const LOG_INDEX = 6

/** Those members by the length of their names: no two share one. */
const stringMembers: ({ quoted: string; slot: number } | undefined)[] = []
for (const [name, slot] of [
  ['address', ADDRESS],
  ['data', DATA],
  ['blockNumber', BLOCK_NUMBER],
  ['blockHash', BLOCK_HASH],
  ['transactionHash', TRANSACTION_HASH],
  ['transactionIndex', TRANSACTION_INDEX],
  ['logIndex', LOG_INDEX],
] as const) {
  stringMembers[name.length] = { quoted: `${name}"`, slot }
}

const number = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y

/**
 * Records in answer order, or `undefined` when the body is not a plain successful answer (see above).
 *
 * @example
 * const logs = scanLogsAnswer(body) ?? toLogRecords(resultOf(JSON.parse(body)))
 */
export function scanLogsAnswer(body: string): LogRecord[] | undefined {
  if (body.indexOf('\\') !== -1) return undefined
  try {
    return new AnswerScanner(body).answer()
  } catch (error) {
    if (error === unreadable) return undefined
    throw error
  }
}

class AnswerScanner {
  private pos = 0
  // Logs come grouped by block: each block number is parsed once.
  private lastNumberHex = ''
  private lastNumber = 0n

  constructor(private readonly body: string) {}

  answer(): LogRecord[] {
    let records: LogRecord[] | undefined
    this.expect(OPEN_BRACE)
    for (;;) {
      this.skipSpace()
      const start = this.pos
      const length = this.name()
      if (length === 6 && this.nameIs(start, 'result"')) records = this.logs()
      else if ((length === 2 && this.nameIs(start, 'id"')) || (length === 7 && this.nameIs(start, 'jsonrpc"'))) {
        this.skipScalar()
      } else throw unreadable
      if (this.next(CLOSE_BRACE)) break
    }
    this.skipSpace()
    if (this.pos !== this.body.length || records === undefined) throw unreadable
    return records
  }

  private logs(): LogRecord[] {
    this.expect(OPEN_BRACKET)
    const logs: LogRecord[] = []
    this.skipSpace()
    if (this.body.charCodeAt(this.pos) === CLOSE_BRACKET) {
      this.pos++
      return logs
    }
    do logs.push(this.log())
    while (!this.next(CLOSE_BRACKET))
    return logs
  }

  private log(): LogRecord {
    this.expect(OPEN_BRACE)
    const values: (string | undefined)[] = [undefined, undefined, undefined, undefined, undefined, undefined, undefined]
    let topics: Hex[] | undefined
    do {
      this.skipSpace()
      const start = this.pos
      // Found by the name's length, then compared: a member a record is made from must hold what it expects.
      const length = this.name()
      const member = stringMembers[length]
      if (length === 6 && this.nameIs(start, 'topics"')) topics = this.topics()
      else if (member && this.nameIs(start, member.quoted)) values[member.slot] = this.keptString()
      else this.skipScalar()
    } while (!this.next(CLOSE_BRACE))
    const blockNumber = values[BLOCK_NUMBER]
    if (blockNumber === undefined || values[BLOCK_HASH] === undefined || topics === undefined) throw unreadable
    if (blockNumber !== this.lastNumberHex) {
      this.lastNumber = BigInt(blockNumber)
      this.lastNumberHex = blockNumber
    }
    return {
      address: values[ADDRESS] as Address,
      topics,
      data: values[DATA] as Hex,
      blockNumber: this.lastNumber,
      blockHash: values[BLOCK_HASH] as Hex,
      transactionHash: values[TRANSACTION_HASH] as Hex,
      transactionIndex: Number(values[TRANSACTION_INDEX]),
      logIndex: Number(values[LOG_INDEX]),
    }
  }

  private topics(): Hex[] {
    this.expect(OPEN_BRACKET)
    const topics: Hex[] = []
    this.skipSpace()
    if (this.body.charCodeAt(this.pos) === CLOSE_BRACKET) {
      this.pos++
      return topics
    }
    do topics.push(this.keptString() as Hex)
    while (!this.next(CLOSE_BRACKET))
    return topics
  }

  /** After a value: true at `close`, false at a comma (both consumed); anything else is unreadable. */
  private next(close: number): boolean {
    this.skipSpace()
    const c = this.body.charCodeAt(this.pos++)
    if (c === close) return true
    if (c !== COMMA) throw unreadable
    return false
  }

  private skipSpace(): void {
    const { body } = this
    let c = body.charCodeAt(this.pos)
    while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = body.charCodeAt(++this.pos)
  }

  private expect(c: number): void {
    this.skipSpace()
    if (this.body.charCodeAt(this.pos) !== c) throw unreadable
    this.pos++
  }

  /** The string at `pos` (at its opening quote, after spaces), without its quotes; `pos` moves past it. */
  private keptString(): string {
    this.skipSpace()
    const { body, pos } = this
    if (body.charCodeAt(pos) !== QUOTE) throw unreadable
    const end = body.indexOf('"', pos + 1)
    if (end === -1) throw unreadable
    this.pos = end + 1
    return body.slice(pos + 1, end)
  }

  /** Reads `"name":` and returns the name's length; `pos` is then at the value. */
  private name(): number {
    const { body, pos } = this
    if (body.charCodeAt(pos) !== QUOTE) throw unreadable
    const end = body.indexOf('"', pos + 1)
    if (end === -1) throw unreadable
    this.pos = end + 1
    this.expect(COLON)
    return end - pos - 1
  }

  /** Whether the name whose opening quote is at `start` is `quotedRest`'s name (`quotedRest` ends with its quote). */
  private nameIs(start: number, quotedRest: string): boolean {
    return this.body.startsWith(quotedRest, start + 1)
  }

  /** A string, number, `true`, `false` or `null` the records do not need. */
  private skipScalar(): void {
    this.skipSpace()
    const { body, pos } = this
    const c = body.charCodeAt(pos)
    if (c === QUOTE) {
      this.keptString()
      return
    }
    for (const word of literals) {
      if (body.startsWith(word, pos)) {
        this.pos += word.length
        return
      }
    }
    number.lastIndex = pos
    if (!number.test(body)) throw unreadable
    this.pos = number.lastIndex
  }
}

const literals = ['true', 'false', 'null']
