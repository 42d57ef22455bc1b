/** `avskit bls …` as a user runs it: DESIGN.md's public vectors, sign → verify, exit codes. */
import { describe, expect, test } from 'vitest'
import { runCli } from '../cli.js'

const digest = '0x2b4a1b5c9d7e8f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8'

describe('avskit bls', () => {
  test('pubkey prints the G1 key of sk 853 from the eigenlayer-middleware vectors', async () => {
    const result = await runCli(['bls', 'pubkey', '--private-key', '853'])
    expect(result.code).toBe(0)
    expect(JSON.parse(result.stdout).g1).toEqual({
      x: '21008703310028844141620162130587521182514488709533704622337026710714836074802',
      y: '1145283673551783492487423178395020830991754869805176606412560778073024405948',
    })
  })

  test('pubkey prints the G2 key of sk 69 in contract order [imag, real]', async () => {
    const result = await runCli(['bls', 'pubkey', '--private-key', '0x45'])
    expect(result.code).toBe(0)
    expect(JSON.parse(result.stdout).g2).toEqual({
      x: [
        '5334410886741819556325359147377682006012228123419628681352847439302316235957',
        '19101821850089705274637533855249918363070101489527618151493230256975900223847',
      ],
      y: [
        '4185483097059047421902184823581361466320657066600218863748375739772335928910',
        '354176189041917478648604979334478067325821134838555150300539079146482658331',
      ],
    })
  })

  test('sign then verify exits 0, a wrong key exits 1', async () => {
    const keygen = JSON.parse((await runCli(['bls', 'keygen'])).stdout)
    const signed = await runCli(['bls', 'sign', '--private-key', keygen.privateKey, '--digest', digest])
    expect(signed.code).toBe(0)
    const signature = signed.stdout
    const hashed = JSON.parse((await runCli(['bls', 'hash-to-g1', '--digest', digest])).stdout)
    expect(BigInt(hashed.x)).toBeGreaterThan(0n)

    const valid = await runCli([
      'bls',
      'verify',
      '--g2',
      JSON.stringify(keygen.g2),
      '--digest',
      digest,
      '--signature',
      signature,
    ])
    expect(valid.code).toBe(0)
    expect(JSON.parse(valid.stdout)).toEqual({ valid: true })

    const other = JSON.parse((await runCli(['bls', 'pubkey', '--private-key', '12345'])).stdout)
    const invalid = await runCli([
      'bls',
      'verify',
      '--g2',
      JSON.stringify(other.g2),
      '--digest',
      digest,
      '--signature',
      signature,
    ])
    expect(invalid.code).toBe(1)
    expect(JSON.parse(invalid.stdout)).toEqual({ valid: false })
  })
})
