import { describe, expect, test } from 'vitest'
import { useDatabase } from '../../test/database.js'
import { BaseError } from '../core/errors.js'
import { CopyBinaryWriter } from './copyBinary.js'
import { transactionConnection } from './transactionConnection.js'

type Row = { small: number | null; big: number | null; label: string | null; ids: string[] | null }

describe('CopyBinaryWriter', () => {
  const ctx = useDatabase()

  /** COPYs `rows` into a fresh table through the engine under test and reads them back as text. */
  async function roundTrip(rows: Row[]) {
    await ctx.database.query('create table copied (n int, small int4, big int8, label text, ids numeric(20, 0)[])')
    const copy = new CopyBinaryWriter(16)
    rows.forEach((row, n) => {
      copy.row(5)
      copy.int4(n)
      for (const [value, write] of [
        [row.small, (v: number) => copy.int4(v)],
        [row.big, (v: number) => copy.int8(v)],
      ] as const) {
        if (value === null) copy.null()
        else write(value)
      }
      if (row.label === null) copy.null()
      else copy.text(row.label)
      if (row.ids === null) copy.null()
      else copy.numericArray(row.ids)
    })
    const bytes = copy.finish()
    await ctx.database.db.transaction((tx) =>
      transactionConnection(tx).copyFrom('copied', 'n, small, big, label, ids', bytes),
    )
    const read = await ctx.database.query('select small::text, big::text, label, ids::text from copied order by n')
    return read.rows
  }

  test('writes what Postgres reads back: integer limits, nulls, any text, numerics of every size', async () => {
    const rows: Row[] = [
      { small: 0, big: 0, label: '', ids: [] },
      { small: 2 ** 31 - 1, big: Number.MAX_SAFE_INTEGER, label: 'tab\there\nnew line \\ back', ids: ['0', '1'] },
      { small: -(2 ** 31), big: Number.MIN_SAFE_INTEGER, label: 'é✓ 𝄞', ids: ['9999', '10000', '100000000'] },
      { small: -1, big: -1, label: '0xab', ids: ['18446744073709551615', '12345678901234567890', '-42'] },
      { small: null, big: 2 ** 32, label: null, ids: null },
      { small: 7, big: -(2 ** 32) - 1, label: 'x', ids: ['10000000000000000000', '-10000'] },
    ]
    expect(await roundTrip(rows)).toEqual([
      { small: '0', big: '0', label: '', ids: '{}' },
      { small: '2147483647', big: '9007199254740991', label: 'tab\there\nnew line \\ back', ids: '{0,1}' },
      { small: '-2147483648', big: '-9007199254740991', label: 'é✓ 𝄞', ids: '{9999,10000,100000000}' },
      { small: '-1', big: '-1', label: '0xab', ids: '{18446744073709551615,12345678901234567890,-42}' },
      { small: null, big: '4294967296', label: null, ids: null },
      { small: '7', big: '-4294967297', label: 'x', ids: '{10000000000000000000,-10000}' },
    ])
  })

  test('refuses a value its column type cannot hold, naming it', () => {
    const copy = new CopyBinaryWriter()
    copy.row(1)
    expect(() => copy.int4(2 ** 31)).toThrow(new BaseError('cannot COPY 2147483648 as an int4'))
    expect(() => copy.int4(1.5)).toThrow(BaseError)
    expect(() => copy.int8(2 ** 53)).toThrow(new BaseError('cannot COPY 9007199254740992 as an int8 (a safe integer)'))
    for (const bad of ['', '-', '1.5', '0x10', '007', ' 1', '1e3']) {
      expect(() => copy.numericArray([bad])).toThrow(
        new BaseError(`cannot COPY ${JSON.stringify(bad)} as a decimal integer`),
      )
    }
  })
})
