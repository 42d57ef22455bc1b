import { keccak256 } from 'viem'
import { beforeAll, describe, expect, test } from 'vitest'
import { InvalidInputError } from '../../core/errors.js'
import { BN254_P, BN254_R } from './field.js'
import {
  assertBlsPrivateKey,
  blsKeyPairFromPrivateKey,
  generateBlsPrivateKey,
  operatorIdFromG1,
  parseBlsPrivateKey,
} from './keys.js'
import { G1_GENERATOR, G2_GENERATOR, G2_NEG_GENERATOR } from './points.js'
import { initBn254 } from './runtime.js'

beforeAll(async () => {
  await initBn254()
})

describe('blsKeyPairFromPrivateKey', () => {
  // eigenlayer-middleware test configs (DESIGN.md "Public vectors"): 69·G2 in contract order [imag, real].
  test('derives the public G2 vector when sk is 69', () => {
    const { g2 } = blsKeyPairFromPrivateKey(69n)
    expect(g2).toEqual({
      x: [
        5334410886741819556325359147377682006012228123419628681352847439302316235957n,
        19101821850089705274637533855249918363070101489527618151493230256975900223847n,
      ],
      y: [
        4185483097059047421902184823581361466320657066600218863748375739772335928910n,
        354176189041917478648604979334478067325821134838555150300539079146482658331n,
      ],
    })
  })

  // Same source: 853·G1.
  test('derives the public G1 vector when sk is 853', () => {
    const { g1 } = blsKeyPairFromPrivateKey(853n)
    expect(g1).toEqual({
      x: 21008703310028844141620162130587521182514488709533704622337026710714836074802n,
      y: 1145283673551783492487423178395020830991754869805176606412560778073024405948n,
    })
  })

  test('returns the generators when sk is 1', () => {
    const pair = blsKeyPairFromPrivateKey(1n)
    expect(pair.g1).toEqual(G1_GENERATOR)
    expect(pair.g2).toEqual(G2_GENERATOR)
  })

  test('returns −G2 when sk is r − 1', () => {
    expect(blsKeyPairFromPrivateKey(BN254_R - 1n).g2).toEqual(G2_NEG_GENERATOR)
  })

  test('sets operatorId to keccak256 of X ‖ Y when deriving', () => {
    const pair = blsKeyPairFromPrivateKey(853n)
    const packed = `0x${pair.g1.x.toString(16).padStart(64, '0')}${pair.g1.y.toString(16).padStart(64, '0')}` as const
    expect(pair.operatorId).toBe(keccak256(packed))
    expect(operatorIdFromG1(pair.g1)).toBe(pair.operatorId)
  })

  test('throws InvalidInputError without echoing the key when sk is out of range', () => {
    expect(() => blsKeyPairFromPrivateKey(0n)).toThrow(InvalidInputError)
    expect(() => blsKeyPairFromPrivateKey(BN254_R)).toThrow(/≥ r/)
    expect(() => blsKeyPairFromPrivateKey(-5n)).toThrow(/negative/)
    expect(() => assertBlsPrivateKey(BN254_R + 12345n)).not.toThrow(/12345/)
  })
})

describe('generateBlsPrivateKey', () => {
  test('returns keys in [1, r) that differ between calls', () => {
    const keys = Array.from({ length: 64 }, () => generateBlsPrivateKey())
    for (const key of keys) {
      expect(key).toBeGreaterThanOrEqual(1n)
      expect(key).toBeLessThan(BN254_R)
    }
    expect(new Set(keys).size).toBe(keys.length)
  })

  test('uses the top bits when drawing (not a short key)', () => {
    const keys = Array.from({ length: 64 }, () => generateBlsPrivateKey())
    expect(keys.some((key) => key > BN254_R / 2n)).toBe(true)
  })
})

describe('parseBlsPrivateKey', () => {
  test('reads decimal and 0x-hex when well formed', () => {
    expect(parseBlsPrivateKey('69')).toBe(69n)
    expect(parseBlsPrivateKey('0x45')).toBe(69n)
    expect(parseBlsPrivateKey('  853\n')).toBe(853n)
    expect(parseBlsPrivateKey((BN254_R - 1n).toString())).toBe(BN254_R - 1n)
  })

  test('throws InvalidInputError when the text is malformed, 0 or ≥ r', () => {
    for (const text of ['', 'abc', '-1', '1e3', '0x', '0xzz', '12 34', '+5', '1.5']) {
      expect(() => parseBlsPrivateKey(text), text).toThrow(InvalidInputError)
    }
    expect(() => parseBlsPrivateKey('0')).toThrow(/got 0/)
    expect(() => parseBlsPrivateKey(BN254_R.toString())).toThrow(/≥ r/)
    expect(() => parseBlsPrivateKey(BN254_P.toString())).toThrow(/≥ r/)
    expect(() => parseBlsPrivateKey(`0x${'f'.repeat(65)}`)).toThrow(InvalidInputError)
  })

  test('never echoes the text when it is malformed', () => {
    const secret = '0x1234567890abcdefXYZ'
    expect(() => parseBlsPrivateKey(secret)).toThrow(/malformed text \(21 characters\)/)
    try {
      parseBlsPrivateKey(secret)
    } catch (error) {
      expect(String((error as Error).message)).not.toContain('1234567890')
    }
  })
})
