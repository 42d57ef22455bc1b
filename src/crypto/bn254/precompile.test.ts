/**
 * Every pairing equation of this module checked against an independent oracle: the EVM pairing precompile at
 * 0x08 (EIP-197) and the modexp precompile at 0x05 (EIP-198) of a real anvil.
 */
import fc from 'fast-check'
import * as mcl from 'mcl-wasm'
import { concat, createPublicClient, type Hex, http, type PublicClient, toHex } from 'viem'
import { beforeAll, describe, expect, test } from 'vitest'
import { useAnvil } from '../../../test/anvil.js'
import { aggregateG1, aggregateG2, verifyAggregateSameMessage } from './aggregate.js'
import { verifyBatch } from './batchVerify.js'
import { checkSignaturesPairs, verifyCheckSignaturesEquation } from './checkSignatures.js'
import { pairingPrecompileInput } from './encoding.js'
import { BN254_P, BN254_R, BN254_SQRT_EXPONENT, bytesToUint, uint256ToBytes } from './field.js'
import { hashToG1 } from './hashToG1.js'
import { type BlsKeyPair, blsKeyPairFromPrivateKey } from './keys.js'
import { g2FromMcl } from './mclPoints.js'
import { G1_GENERATOR, type G1Point, G2_GENERATOR, G2_NEG_GENERATOR, type G2Point } from './points.js'
import { pubkeyRegistrationMessageHash, pubkeyRegistrationPairs, pubkeyRegistrationParams } from './registration.js'
import { initBn254 } from './runtime.js'
import { signDigest, verifySignature } from './sign.js'
import { assertG2 } from './validation.js'

const chain = useAnvil()
let client: PublicClient
let operators: BlsKeyPair[]

beforeAll(async () => {
  await initBn254()
  client = createPublicClient({ transport: http(chain.rpcUrl) })
  operators = [3n, 5n, 7n, 11n].map((k) => blsKeyPairFromPrivateKey(k * 987_654_321n))
})

const PAIRING = '0x0000000000000000000000000000000000000008'
const MODEXP = '0x0000000000000000000000000000000000000005'

/** 1n when the precompile finds Π e(g1ᵢ, g2ᵢ) = 1, 0n otherwise. */
async function precompilePairing(pairs: readonly (readonly [G1Point, G2Point])[]): Promise<bigint> {
  const { data } = await client.call({ to: PAIRING, data: pairingPrecompileInput(pairs) })
  if (data === undefined || data.length !== 66) throw new Error(`pairing precompile returned ${data}`)
  return BigInt(data)
}

function negate(p: G1Point): G1Point {
  return { x: p.x, y: (BN254_P - p.y) % BN254_P }
}

const digest = toHex(new TextEncoder().encode('avskit precompile test'.padEnd(32, '.')))

describe('pairing precompile 0x08', () => {
  test('confirms −G2 when paired against G2', async () => {
    expect(
      await precompilePairing([
        [G1_GENERATOR, G2_GENERATOR],
        [G1_GENERATOR, G2_NEG_GENERATOR],
      ]),
    ).toBe(1n)
  })

  test('returns 1 for e(σ, −G2)·e(H(m), pkG2) when the signature is valid', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.bigInt({ min: 1n, max: BN254_R - 1n }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        async (sk, message) => {
          const { g2 } = blsKeyPairFromPrivateKey(sk)
          const signature = signDigest(sk, message)
          expect(verifySignature(g2, message, signature)).toBe(true)
          expect(
            await precompilePairing([
              [signature, G2_NEG_GENERATOR],
              [hashToG1(message), g2],
            ]),
          ).toBe(1n)
        },
      ),
      { numRuns: 8 },
    )
  })

  test('returns 0 and verifySignature returns false when the signature is corrupted', async () => {
    const { g2, privateKey } = operators[0]!
    const corrupted = aggregateG1([signDigest(privateKey, digest), G1_GENERATOR])
    expect(verifySignature(g2, digest, corrupted)).toBe(false)
    expect(
      await precompilePairing([
        [corrupted, G2_NEG_GENERATOR],
        [hashToG1(digest), g2],
      ]),
    ).toBe(0n)
  })

  test('returns 1 for the aggregate of same-message signatures', async () => {
    const sigma = aggregateG1(operators.map((o) => signDigest(o.privateKey, digest)))
    const apkG2 = aggregateG2(operators.map((o) => o.g2))
    expect(
      verifyAggregateSameMessage(
        operators.map((o) => o.g2),
        digest,
        operators.map((o) => signDigest(o.privateKey, digest)),
      ),
    ).toBe(true)
    expect(
      await precompilePairing([
        [sigma, G2_NEG_GENERATOR],
        [hashToG1(digest), apkG2],
      ]),
    ).toBe(1n)
  })

  test('agrees with verifyBatch on a valid batch and passes a swap that verifyBatch rejects', async () => {
    const items = operators.map((o, i) => {
      const message = toHex(uint256ToBytes(BigInt(i) * 1_000_000_007n + 1n))
      return { digest: message, pkG2: o.g2, signature: signDigest(o.privateKey, message) }
    })
    const pairs = items.flatMap((it) => [
      [it.signature, G2_NEG_GENERATOR] as const,
      [hashToG1(it.digest), it.pkG2] as const,
    ])
    expect(verifyBatch(items)).toBe(true)
    expect(await precompilePairing(pairs)).toBe(1n)
    // Swapping two signatures leaves the plain product Π e(σᵢ, −G2)·e(Hᵢ, pkᵢ) unchanged, so the precompile
    // still answers 1: exactly the cancellation the random linear combination of verifyBatch catches.
    const swapped = [...items]
    swapped[1] = { ...items[1]!, signature: items[2]!.signature }
    swapped[2] = { ...items[2]!, signature: items[1]!.signature }
    expect(
      await precompilePairing(
        swapped.flatMap((it) => [[it.signature, G2_NEG_GENERATOR] as const, [hashToG1(it.digest), it.pkG2] as const]),
      ),
    ).toBe(1n)
    expect(verifyBatch(swapped)).toBe(false)
  })

  test('returns 1 for the checkSignatures γ equation when non-signers are subtracted', async () => {
    const nonSigner = operators[2]!
    const signers = operators.filter((o) => o !== nonSigner)
    const certificate = {
      msgHash: digest,
      apk: aggregateG1([...operators.map((o) => o.g1), negate(nonSigner.g1)]),
      apkG2: aggregateG2(signers.map((o) => o.g2)),
      sigma: aggregateG1(signers.map((o) => signDigest(o.privateKey, digest))),
    }
    expect(verifyCheckSignaturesEquation(certificate)).toBe(true)
    expect(await precompilePairing(checkSignaturesPairs(certificate))).toBe(1n)
    const wrong = { ...certificate, apk: aggregateG1(operators.map((o) => o.g1)) }
    expect(verifyCheckSignaturesEquation(wrong)).toBe(false)
    expect(await precompilePairing(checkSignaturesPairs(wrong))).toBe(0n)
  })

  test('returns 1 for the pubkey registration γ equation', async () => {
    const h = pubkeyRegistrationMessageHash({
      chainId: await client.getChainId(),
      registryCoordinator: '0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0',
      operator: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC',
    })
    const params = pubkeyRegistrationParams(operators[1]!.privateKey, h)
    expect(await precompilePairing(pubkeyRegistrationPairs(params, h))).toBe(1n)
    const mismatched = { ...params, pubkeyG2: operators[0]!.g2 }
    expect(await precompilePairing(pubkeyRegistrationPairs(mismatched, h))).toBe(0n)
  })

  test('rejects the twist point outside G2 that assertG2 rejects', async () => {
    const outside = twistPointOutsideG2()
    expect(() => assertG2(outside)).toThrow(/subgroup/)
    await expect(precompilePairing([[G1_GENERATOR, outside]])).rejects.toThrow()
  })
})

describe('modexp precompile 0x05', () => {
  test('gives the same y as hashToG1 for β^((p+1)/4)', async () => {
    for (let i = 0; i < 5; i++) {
      const message = toHex(uint256ToBytes(BigInt(i) * 31_337n))
      const { x, y } = hashToG1(message)
      const beta = (x * x * x + 3n) % BN254_P
      const input = concat([
        toHex(uint256ToBytes(32n)),
        toHex(uint256ToBytes(32n)),
        toHex(uint256ToBytes(32n)),
        toHex(uint256ToBytes(beta)),
        toHex(uint256ToBytes(BN254_SQRT_EXPONENT)),
        toHex(uint256ToBytes(BN254_P)),
      ])
      const { data } = await client.call({ to: MODEXP, data: input })
      expect(bytesToUint(hexBytes(data))).toBe(y)
    }
  })
})

function hexBytes(hex: Hex | undefined): Uint8Array {
  if (hex === undefined) throw new Error('no data')
  return Uint8Array.from(hex.slice(2).match(/../g) ?? [], (b) => Number.parseInt(b, 16))
}

/** A point on the twist y² = x³ + 3/(9 + i), outside the order-r subgroup (no cofactor clearing). */
function twistPointOutsideG2(): G2Point {
  const fp2 = (real: number, imaginary: number) => {
    const v = new mcl.Fp2()
    v.setInt(real, imaginary)
    return v
  }
  const b = mcl.div(fp2(3, 0), fp2(9, 1))
  for (let k = 1; ; k++) {
    const x = fp2(k, 1)
    const [isSquare, y] = mcl.squareRoot(mcl.add(mcl.mul(mcl.sqr(x), x), b))
    if (!isSquare) continue
    const point = new mcl.G2()
    point.setX(x)
    point.setY(y)
    point.setZ(fp2(1, 0))
    if (point.isValid() && !point.isValidOrder()) return g2FromMcl(point)
  }
}
