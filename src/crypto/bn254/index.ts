/**
 * BN254 BLS for EigenLayer AVSs, on mcl-wasm: keys, hashToG1, signatures, aggregation, batch verification and
 * the encodings and equations of the EigenLayer M2 contracts. Call `await initBn254()` once first.
 *
 * Bigint functions take and return points in the EVM layout (G2 pairs as [imaginary, real]) and validate
 * every input; the `…Mcl` functions are the hot path on already validated mcl values.
 */
export {
  aggregateG1,
  aggregateG2,
  verifyAggregateSameMessage,
  verifyAggregateSameMessageMcl,
} from './aggregate.js'
export {
  BATCH_SCALAR_BITS,
  type BatchItem,
  type BatchItemMcl,
  randomBatchScalars,
  randomBatchScalarValues,
  verifyBatch,
  verifyBatchMcl,
} from './batchVerify.js'
export {
  type CheckSignaturesEquationParameters,
  checkSignaturesGamma,
  checkSignaturesPairs,
  verifyCheckSignaturesEquation,
} from './checkSignatures.js'
export {
  type G1Json,
  type G1Struct,
  type G2Json,
  type G2Struct,
  g1FromJson,
  g1FromStruct,
  g1ToBytes,
  g1ToJson,
  g1ToStruct,
  g2FromJson,
  g2FromStruct,
  g2ToBytes,
  g2ToJson,
  g2ToStruct,
  pairingPrecompileInput,
} from './encoding.js'
export { BN254_P, BN254_R, BN254_SQRT_EXPONENT } from './field.js'
export { type BlsDigest, digestToBytes, hashToG1, hashToG1Mcl } from './hashToG1.js'
export {
  assertBlsPrivateKey,
  type BlsKeyPair,
  blsKeyPairFromPrivateKey,
  blsPrivateKeyToMcl,
  generateBlsPrivateKey,
  operatorIdFromG1,
  parseBlsPrivateKey,
} from './keys.js'
export { g1FromMcl, g2FromMcl } from './mclPoints.js'
export { bucketWindowBits, mulVecBigint, mulVecMcl } from './multiScalarMul.js'
export {
  G1_GENERATOR,
  G1_INFINITY,
  type G1Point,
  G2_GENERATOR,
  G2_INFINITY,
  G2_NEG_GENERATOR,
  type G2Point,
  g1Equal,
  g2Equal,
  isG1Infinity,
  isG2Infinity,
} from './points.js'
export {
  type PubkeyRegistrationMessageHashParameters,
  type PubkeyRegistrationParams,
  pubkeyRegistrationGamma,
  pubkeyRegistrationMessageHash,
  pubkeyRegistrationPairs,
  pubkeyRegistrationParams,
  REGISTRY_COORDINATOR_EIP712_NAME,
  REGISTRY_COORDINATOR_EIP712_VERSION,
  verifyPubkeyRegistration,
} from './registration.js'
export { initBn254 } from './runtime.js'
export { signDigest, signHashMcl, verifySignature, verifySignatureMcl } from './sign.js'
export { type AssertPointOptions, assertG1, assertG2, g1ToMcl, g2ToMcl } from './validation.js'
export { millerLoopProduct, pairingProductIsOne, sumG1Affine, sumG1Mcl, sumG2Mcl } from './wasmVectors.js'
