import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { toLogRecords } from './rpcGetLogs.js'
import { scanLogsAnswer } from './scanLogsAnswer.js'

const hexString = (bytes: number) =>
  fc.uint8Array({ minLength: bytes, maxLength: bytes }).map((b) => `0x${Buffer.from(b).toString('hex')}`)
const quantity = fc.nat({ max: 2 ** 40 }).map((n) => `0x${n.toString(16)}`)

/** A log as nodes send it (geth, reth and anvil field names), with anvil's `blockTimestamp` and `removed`. */
const log = fc.record({
  address: hexString(20),
  topics: fc.array(hexString(32), { maxLength: 4 }),
  data: fc.nat({ max: 40 }).chain((words) => hexString(32 * words)),
  blockHash: hexString(32),
  blockNumber: quantity,
  blockTimestamp: quantity,
  transactionHash: hexString(32),
  transactionIndex: quantity,
  logIndex: quantity,
  removed: fc.boolean(),
})

const space = fc.constantFrom('', ' ', '\n', '\t', '\r\n  ')

/** JSON text of `value` with random whitespace between tokens and members in a random order. */
function writeJson(value: unknown, spaces: string[], order: number[]): string {
  let n = 0
  const ws = () => spaces[n++ % spaces.length] as string
  const write = (v: unknown): string => {
    if (Array.isArray(v)) return `[${ws()}${v.map((e) => `${ws()}${write(e)}${ws()}`).join(',')}]`
    if (v !== null && typeof v === 'object') {
      const entries = Object.entries(v)
      const shuffled = entries.map((_, i) => entries[(i + (order[i % order.length] ?? 0)) % entries.length]!)
      const unique = [...new Map(shuffled.concat(entries)).entries()]
      return `{${unique.map(([k, e]) => `${ws()}${JSON.stringify(k)}${ws()}:${ws()}${write(e)}${ws()}`).join(',')}}`
    }
    return JSON.stringify(v)
  }
  return `${ws()}${write(value)}${ws()}`
}

const answerOf = (logs: unknown[]) => ({ jsonrpc: '2.0', id: 7, result: logs })

describe('scanLogsAnswer', () => {
  test('gives the records JSON.parse and toLogRecords give, in any member order and spacing', () => {
    fc.assert(
      fc.property(
        fc.array(log, { maxLength: 12 }),
        fc.array(space, { minLength: 1, maxLength: 8 }),
        fc.array(fc.nat({ max: 12 }), { minLength: 1, maxLength: 12 }),
        (logs, spaces, order) => {
          const body = writeJson(answerOf(logs), spaces, order)
          const scanned = scanLogsAnswer(body)
          expect(scanned).toBeDefined()
          expect(scanned).toEqual(toLogRecords(JSON.parse(body).result))
        },
      ),
    )
  })

  test('skips members it does not know, and takes the last of two equal names as JSON.parse does', () => {
    const body = `{"id":1,"jsonrpc":"2.0","result":[{"address":"0x01","topics":["0xaa"],"data":"0x",
      "blockHash":"0xbb","blockNumber":"0x10","transactionHash":"0xcc","transactionIndex":"0x2","logIndex":"0x3",
      "removed":false,"extra":null,"score":-1.5e3,"note":"x","logIndex":"0x4"}]}`
    const scanned = scanLogsAnswer(body)
    expect(scanned).toEqual(toLogRecords(JSON.parse(body).result))
    expect(scanned?.[0]).toMatchObject({ blockNumber: 16n, transactionIndex: 2, logIndex: 4 })
    expect(scanLogsAnswer('{"jsonrpc":"2.0","id":1,"result":[]}')).toEqual([])
  })

  test('leaves to JSON.parse what it does not read', () => {
    const valid = JSON.stringify(
      answerOf([
        {
          address: '0x01',
          topics: ['0xaa'],
          data: '0x',
          blockHash: '0xbb',
          blockNumber: '0x1',
          transactionHash: '0xcc',
          transactionIndex: '0x0',
          logIndex: '0x0',
        },
      ]),
    )
    expect(scanLogsAnswer(valid)).toHaveLength(1)
    const unread = {
      'an error answer': '{"jsonrpc":"2.0","id":1,"error":{"code":-32005,"message":"too many"}}',
      'an escape': valid.replace('"0x01"', '"0x\\u00301"'),
      'a pending log (no block number)': valid.replace('"0x1"', 'null'),
      'a log without a block hash': valid.replace('"blockHash":"0xbb",', ''),
      'topics that are not strings': valid.replace('["0xaa"]', '[1]'),
      'topics that are not an array': valid.replace('["0xaa"]', '"0xaa"'),
      'a kept member that is not a string': valid.replace('"logIndex":"0x0"', '"logIndex":0'),
      'an unknown member holding an object': valid.replace('"data":"0x"', '"data":"0x","more":{}'),
      'an empty log': valid.replace(/\{"address".*\}\]/, '{}]'),
      'a result that is not an array': '{"jsonrpc":"2.0","id":1,"result":null}',
      'no result': '{"jsonrpc":"2.0","id":1}',
      'trailing text': `${valid}x`,
      'a cut-off body': valid.slice(0, -10),
      'a byte order mark': `\uFEFF${valid}`,
      'a leading zero': valid.replace('"id":7', '"id":07'),
      'a misspelt literal': valid.replace('"id":7', '"id":nul'),
      'not JSON': 'Bad Gateway',
      nothing: '',
    }
    for (const [what, body] of Object.entries(unread)) {
      expect(body, what).not.toBe(valid)
      expect(scanLogsAnswer(body), what).toBeUndefined()
    }
  })
})
