import { encodePacked, keccak256 } from 'viem'
import { beforeAll, describe, expect, test } from 'vitest'
import { InvalidInputError } from '../../core/errors.js'
import { aggregateG1, aggregateG2 } from './aggregate.js'
import { checkSignaturesGamma, checkSignaturesPairs, verifyCheckSignaturesEquation } from './checkSignatures.js'
import { BN254_P, BN254_R } from './field.js'
import { type BlsKeyPair, blsKeyPairFromPrivateKey } from './keys.js'
import { G2_NEG_GENERATOR } from './points.js'
import { initBn254 } from './runtime.js'
import { signDigest } from './sign.js'

let operators: BlsKeyPair[]
beforeAll(async () => {
  await initBn254()
  operators = [11n, 22n, 33n, 44n, 55n].map((sk) => blsKeyPairFromPrivateKey(sk * 1_000_003n))
})

const msgHash = keccak256(new TextEncoder().encode('avskit task 1'))

/** The certificate of a task where operators[nonSigner] did not sign, as checkSignatures sees it. */
function certificate(nonSigners: number[]) {
  const signers = operators.filter((_, i) => !nonSigners.includes(i))
  const quorumApk = aggregateG1(operators.map((o) => o.g1))
  const nonSignerKeys = nonSigners.map((i) => operators[i]!.g1)
  // apk = quorum apk − Σ non-signers, as the contract computes it
  const apk = aggregateG1([quorumApk, ...nonSignerKeys.map((p) => ({ x: p.x, y: BN254_P - p.y }))])
  return {
    msgHash,
    apk,
    apkG2: aggregateG2(signers.map((o) => o.g2)),
    sigma: aggregateG1(signers.map((o) => signDigest(o.privateKey, msgHash))),
  }
}

describe('checkSignaturesGamma', () => {
  test('equals keccak256(abi.encodePacked(msgHash, apk, apkG2, σ)) mod r when computed', () => {
    const c = certificate([1])
    const packed = encodePacked(
      ['bytes32', 'uint256', 'uint256', 'uint256', 'uint256', 'uint256', 'uint256', 'uint256', 'uint256'],
      [c.msgHash, c.apk.x, c.apk.y, c.apkG2.x[0], c.apkG2.x[1], c.apkG2.y[0], c.apkG2.y[1], c.sigma.x, c.sigma.y],
    )
    expect(checkSignaturesGamma(c)).toBe(BigInt(keccak256(packed)) % BN254_R)
  })
})

describe('verifyCheckSignaturesEquation', () => {
  test('accepts the certificate when the signers are exactly apk minus the non-signers', () => {
    expect(verifyCheckSignaturesEquation(certificate([]))).toBe(true)
    expect(verifyCheckSignaturesEquation(certificate([0, 3]))).toBe(true)
  })

  test('rejects the certificate when a non-signer is not subtracted', () => {
    const c = certificate([2])
    expect(verifyCheckSignaturesEquation({ ...c, apk: aggregateG1(operators.map((o) => o.g1)) })).toBe(false)
  })

  test('rejects the certificate when σ is for another message', () => {
    const c = certificate([])
    expect(verifyCheckSignaturesEquation({ ...c, msgHash: keccak256('0x01') })).toBe(false)
  })

  test('counts an operator twice when it is in two quorums', () => {
    // Two quorums, operator 0 in both: apk = apk₁ + apk₂ and σ, apkG2 include operator 0 twice.
    const q1 = operators.slice(0, 3)
    const q2 = [operators[0]!, operators[3]!]
    const all = [...q1, ...q2]
    const c = {
      msgHash,
      apk: aggregateG1(all.map((o) => o.g1)),
      apkG2: aggregateG2(all.map((o) => o.g2)),
      sigma: aggregateG1(all.map((o) => signDigest(o.privateKey, msgHash))),
    }
    expect(verifyCheckSignaturesEquation(c)).toBe(true)
    const once = [...q1, operators[3]!]
    expect(verifyCheckSignaturesEquation({ ...c, apkG2: aggregateG2(once.map((o) => o.g2)) })).toBe(false)
  })

  test('pairs σ + γ·apk with −G2 when building the precompile pairs', () => {
    const pairs = checkSignaturesPairs(certificate([4]))
    expect(pairs[0][1]).toEqual(G2_NEG_GENERATOR)
  })

  test('throws InvalidInputError when a point is invalid', () => {
    const c = certificate([])
    expect(() => verifyCheckSignaturesEquation({ ...c, sigma: { x: 1n, y: 1n } })).toThrow(InvalidInputError)
    expect(() => verifyCheckSignaturesEquation({ ...c, msgHash: '0x00' })).toThrow(
      /msgHash: expected 0x-prefixed 32-byte hex/,
    )
  })
})
