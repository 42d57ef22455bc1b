import fc from 'fast-check'
import { beforeAll, describe, expect, test } from 'vitest'
import { InvalidInputError } from '../../core/errors.js'
import {
  g1FromJson,
  g1FromStruct,
  g1ToBytes,
  g1ToJson,
  g1ToStruct,
  g2FromJson,
  g2FromStruct,
  g2ToJson,
  g2ToStruct,
  pairingPrecompileInput,
} from './encoding.js'
import { BN254_P, BN254_R } from './field.js'
import { type BlsKeyPair, blsKeyPairFromPrivateKey } from './keys.js'
import { G2_GENERATOR } from './points.js'
import { initBn254 } from './runtime.js'

let pair: BlsKeyPair
beforeAll(async () => {
  await initBn254()
  pair = blsKeyPairFromPrivateKey(69n)
})

const keyPairs = fc.bigInt({ min: 1n, max: BN254_R - 1n }).map((sk) => blsKeyPairFromPrivateKey(sk))

describe('G1/G2 JSON', () => {
  test('round-trips any point through JSON text', () => {
    fc.assert(
      fc.property(keyPairs, ({ g1, g2 }) => {
        expect(g1FromJson(JSON.parse(JSON.stringify(g1ToJson(g1))))).toEqual(g1)
        expect(g2FromJson(JSON.parse(JSON.stringify(g2ToJson(g2))))).toEqual(g2)
      }),
      { numRuns: 30 },
    )
  })

  test('writes decimal strings with G2 pairs as [imaginary, real] when encoding', () => {
    expect(g2ToJson(G2_GENERATOR)).toEqual({
      x: [
        '11559732032986387107991004021392285783925812861821192530917403151452391805634',
        '10857046999023057135944570762232829481370756359578518086990519993285655852781',
      ],
      y: [
        '4082367875863433681332203403145435568316851327593401208105741076214120093531',
        '8495653923123431417604973247489272438418190587263600148770280649306958101930',
      ],
    })
    expect(g1ToJson({ x: 1n, y: 2n })).toEqual({ x: '1', y: '2' })
  })

  test('reads 0x-hex strings as well as decimal when decoding', () => {
    const hex = { x: `0x${pair.g1.x.toString(16)}`, y: `0X${pair.g1.y.toString(16).toUpperCase()}` }
    expect(g1FromJson(hex)).toEqual(pair.g1)
    const g2 = { x: pair.g2.x.map((v) => `0x${v.toString(16)}`), y: pair.g2.y.map((v) => v.toString()) }
    expect(g2FromJson(g2)).toEqual(pair.g2)
  })

  test('throws InvalidInputError naming the field when the JSON is malformed', () => {
    const cases: [unknown, RegExp][] = [
      [null, /sig: expected object \{"x","y"\}, got null/],
      [[1, 2], /sig: expected object .*, got array of length 2/],
      [{ x: '1' }, /sig\.y: expected decimal or 0x-hex string, got undefined/],
      [{ x: 1, y: 2 }, /sig\.x: expected decimal or 0x-hex string, got number/],
      [{ x: '1', y: '-2' }, /sig\.y: expected decimal or 0x-hex string, got "-2"/],
      [{ x: '1', y: '2.0' }, /sig\.y: .*got "2\.0"/],
      [{ x: '1', y: ' 2' }, /sig\.y/],
      [{ x: '1', y: '3' }, /sig: expected a point on the curve/],
      [{ x: BN254_P.toString(), y: '2' }, /sig\.x: expected a field element in \[0, p\)/],
      [{ x: `0x${'f'.repeat(70)}`, y: '2' }, /sig\.x: expected an integer of at most 256 bits/],
    ]
    for (const [json, message] of cases) {
      expect(() => g1FromJson(json, 'sig'), JSON.stringify(json)).toThrow(InvalidInputError)
      expect(() => g1FromJson(json, 'sig'), JSON.stringify(json)).toThrow(message)
    }
  })

  test('throws InvalidInputError naming the part when G2 JSON is malformed', () => {
    const good = g2ToJson(pair.g2)
    const cases: [unknown, RegExp][] = [
      ['{}', /pk: expected object/],
      [{ x: good.x }, /pk\.y: expected \[imaginary, real\] array of 2 strings, got undefined/],
      [{ x: [good.x[0]], y: good.y }, /pk\.x: expected \[imaginary, real\] array of 2 strings, got array of length 1/],
      [{ x: [...good.x, '1'], y: good.y }, /array of length 3/],
      [{ x: [good.x[0], 5], y: good.y }, /pk\.x\[1\]: expected decimal or 0x-hex string, got number/],
      [{ x: [good.x[1], good.x[0]], y: [good.y[1], good.y[0]] }, /pk: expected a point on the twist/],
      [{ x: good.x, y: [good.y[0], BN254_P.toString()] }, /pk\.y\[1\] \(real part\): expected a field element/],
    ]
    for (const [json, message] of cases) {
      expect(() => g2FromJson(json, 'pk'), JSON.stringify(json)).toThrow(message)
    }
  })

  test('accepts infinity only when allowed', () => {
    expect(() => g1FromJson({ x: '0', y: '0' }, 'apk')).toThrow(/infinity/)
    expect(g1FromJson({ x: '0', y: '0' }, 'apk', { allowInfinity: true })).toEqual({ x: 0n, y: 0n })
    expect(g2FromJson({ x: ['0', '0'], y: ['0', '0'] }, 'apkG2', { allowInfinity: true })).toEqual({
      x: [0n, 0n],
      y: [0n, 0n],
    })
  })
})

describe('Solidity structs', () => {
  test('round-trips any point through {X, Y} structs', () => {
    fc.assert(
      fc.property(keyPairs, ({ g1, g2 }) => {
        expect(g1FromStruct(g1ToStruct(g1))).toEqual(g1)
        expect(g2FromStruct(g2ToStruct(g2))).toEqual(g2)
      }),
      { numRuns: 20 },
    )
  })

  test('keeps contract order when mapping to a struct', () => {
    expect(g2ToStruct(G2_GENERATOR)).toEqual({ X: G2_GENERATOR.x, Y: G2_GENERATOR.y })
    expect(() => g1FromStruct({ X: 1n, Y: 3n }, 'apk')).toThrow(/apk: expected a point on the curve/)
  })
})

describe('bytes', () => {
  test('packs 32-byte big-endian words when encoding', () => {
    const bytes = g1ToBytes({ x: 1n, y: 2n })
    expect(bytes).toHaveLength(64)
    expect(bytes[31]).toBe(1)
    expect(bytes[63]).toBe(2)
    const input = pairingPrecompileInput([[{ x: 1n, y: 2n }, G2_GENERATOR]])
    expect(input).toHaveLength(2 + 192 * 2)
    expect(input.slice(2 + 128, 2 + 192)).toBe(G2_GENERATOR.x[0].toString(16).padStart(64, '0'))
  })
})
