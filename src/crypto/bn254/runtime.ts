/**
 * The mcl-wasm runtime behind crypto/bn254: one WebAssembly instance of mcl (herumi/mcl) initialised for
 * `BN_SNARK1`, mcl's name for BN254 = alt_bn128, the curve of the EVM precompiles.
 *
 * `initBn254()` loads it once per process (idempotent). Every other function of the module may assume it ran and
 * throws a BaseError naming the fix when it did not.
 *
 * Two process-wide mcl settings are changed here, on purpose: `verifyOrderG1/G2(false)`. With them on, mcl runs a
 * subgroup check inside every `setStr`/`deserialize` of G2 (≈0.5 ms each here), which would dominate aggregating
 * thousands of keys. This module instead checks subgroup membership explicitly, once per distinct public key, in
 * `assertG2` / `g2ToMcl` (G1 has cofactor 1, so any point on the curve is in the subgroup).
 */
import * as mcl from 'mcl-wasm'
import mclCore from 'mcl-wasm/dist/mcl.js'
import { BaseError } from '../../core/errors.js'
import { BN254_SQRT_EXPONENT } from './field.js'

/** Constants prepared once in mcl form. */
export type Bn254Runtime = {
  /** G1 generator (1, 2). */
  readonly g1: mcl.G1
  /** G2 generator of EIP-197. */
  readonly g2: mcl.G2
  /** −G2: verification pairs signatures with it so that a whole check is one product of pairings. */
  readonly negG2: mcl.G2
  readonly fpOne: mcl.Fp
  readonly fpThree: mcl.Fp
  /** (p + 1) / 4 as an mcl exponent. */
  readonly sqrtExponent: mcl.Fp
}

let runtime: Bn254Runtime | undefined
let initializing: Promise<void> | undefined

/**
 * Loads mcl-wasm for BN254 (BN_SNARK1). Idempotent and safe to call concurrently: later calls return the first
 * call's promise.
 *
 * @example
 * await initBn254()
 * const { g1, g2 } = blsKeyPairFromPrivateKey(69n)
 */
export function initBn254(): Promise<void> {
  initializing ??= (async () => {
    try {
      await mcl.init(mcl.BN_SNARK1)
    } catch (cause) {
      throw new BaseError('mcl-wasm could not be initialised for BN254.', { cause })
    }
    mcl.verifyOrderG1(false)
    mcl.verifyOrderG2(false)
    runtime = createRuntime()
  })().catch((error: unknown) => {
    initializing = undefined
    throw error
  })
  return initializing
}

/** The prepared runtime; throws a BaseError when `initBn254()` has not completed. */
export function getBn254Runtime(): Bn254Runtime {
  if (runtime === undefined || mclCore.initializedCurveType !== mcl.BN_SNARK1) {
    throw new BaseError('BN254 is not initialised.', {
      metaMessages: ['Call `await initBn254()` once (at start-up) before using crypto/bn254.'],
    })
  }
  return runtime
}

// The EIP-197 generator in mcl's string order "1 x_real x_imag y_real y_imag" (decimal); see points.ts for the
// contract order of the same numbers.
const G2_GENERATOR_MCL =
  '1 10857046999023057135944570762232829481370756359578518086990519993285655852781 ' +
  '11559732032986387107991004021392285783925812861821192530917403151452391805634 ' +
  '8495653923123431417604973247489272438418190587263600148770280649306958101930 ' +
  '4082367875863433681332203403145435568316851327593401208105741076214120093531'

function createRuntime(): Bn254Runtime {
  const g1 = new mcl.G1()
  g1.setStr('1 1 2', 10)
  const g2 = new mcl.G2()
  g2.setStr(G2_GENERATOR_MCL, 10)
  const fpOne = new mcl.Fp()
  fpOne.setInt(1)
  const fpThree = new mcl.Fp()
  fpThree.setInt(3)
  const sqrtExponent = new mcl.Fp()
  sqrtExponent.setStr(BN254_SQRT_EXPONENT.toString(16), 16)
  return { g1, g2, negG2: mcl.neg(g2), fpOne, fpThree, sqrtExponent }
}
