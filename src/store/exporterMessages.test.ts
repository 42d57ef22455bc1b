import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { elementsLiteral } from './arrayParameter.js'
import {
  type ExporterOperatorRow,
  type ExporterValidatorRow,
  operatorEnvelope,
  operatorEnvelopeJson,
  validatorEnvelope,
  validatorEnvelopeJson,
} from './exporterMessages.js'

const hex = (bytes: number) =>
  fc.uint8Array({ minLength: bytes, maxLength: bytes }).map((b) => `0x${Buffer.from(b).toString('hex')}`)
// Mostly plain hex, sometimes text that must be escaped: the writer must never emit broken JSON.
const someText = fc.oneof(hex(32), fc.string())
const location: fc.Arbitrary<Location> = fc.record({
  addedBlock: fc.nat(),
  addedTransaction: hex(32),
  addedLogIndex: fc.nat(),
  addedSeq: fc.nat(),
  removed: fc.option(fc.record({ block: fc.nat(), transaction: someText, logIndex: fc.nat(), seq: fc.nat() })),
})
type Location = {
  addedBlock: number
  addedTransaction: string
  addedLogIndex: number
  addedSeq: number
  removed: { block: number; transaction: string; logIndex: number; seq: number } | null
}

/** `rest` with the location columns of `at`. */
function placed<row>(rest: row, at: Location) {
  return {
    ...rest,
    addedBlock: at.addedBlock,
    addedTransaction: at.addedTransaction,
    addedLogIndex: at.addedLogIndex,
    addedSeq: at.addedSeq,
    removedBlock: at.removed?.block ?? null,
    removedTransaction: at.removed?.transaction ?? null,
    removedLogIndex: at.removed?.logIndex ?? null,
    removedSeq: at.removed?.seq ?? null,
  }
}

const operatorRow: fc.Arbitrary<ExporterOperatorRow> = fc
  .record({
    index: fc.nat(),
    operatorId: fc.bigInt({ min: 1n, max: 2n ** 53n - 1n }).map(String),
    owner: hex(20),
    publicKey: someText,
    fee: fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }).map(String),
    at: location,
  })
  .map(({ at, ...rest }) => placed(rest, at))

const validatorRow: fc.Arbitrary<ExporterValidatorRow> = fc
  .record({
    index: fc.nat(),
    publicKey: hex(48),
    owner: hex(20),
    operators: fc.array(fc.tuple(fc.integer({ min: 1, max: 1_000_000 }), fc.option(someText)), { maxLength: 13 }),
    at: location,
  })
  .map(({ at, operators, ...rest }) =>
    placed(
      {
        ...rest,
        operatorIds: operators.map(([id]) => String(id)),
        operatorPublicKeys: operators.map(([, key]) => key) as string[],
      },
      at,
    ),
  )

describe('exporterMessages', () => {
  test('the direct JSON writers produce exactly JSON.stringify of the envelopes', () => {
    fc.assert(
      fc.property(operatorRow, (row) => {
        expect(operatorEnvelopeJson(row)).toBe(JSON.stringify(operatorEnvelope(row)))
      }),
    )
    fc.assert(
      fc.property(validatorRow, (row) => {
        expect(validatorEnvelopeJson(row)).toBe(JSON.stringify(validatorEnvelope(row)))
      }),
    )
  })

  test('array literals quote what is not plain and mark nulls', () => {
    expect(elementsLiteral(['0xab', 12, null, 5n])).toBe('{0xab,12,NULL,5}')
    expect(elementsLiteral(['{1,2}', 'a"b\\c', ''])).toBe('{"{1,2}","a\\"b\\\\c",""}')
  })
})
