/**
 * Turns a task's winning signatures into the `NonSignerStakesAndSignature` that `checkSignatures` accepts.
 *
 * The contract computes apk = Σ_q quorumApk_q − Σ_nonSigners k_i·pk_i (k_i: how many of the task's quorums the
 * non-signer is in) and checks e(σ + γ·apk, −G2)·e(H(m) + γ·G1, apkG2) = 1. The signers' share of
 * Σ_q quorumApk_q counts each signer once per task quorum it is in, so σ and apkG2 must count it as many times:
 * σ = Σ k_i·σ_i and apkG2 = Σ k_i·pkG2_i over the signers. Non-signers go sorted ascending by operator id as a
 * uint256, and every history index comes from `OperatorStateRetriever.getCheckSignaturesIndices`.
 */
import * as mcl from 'mcl-wasm'
import type { Hex } from 'viem'
import { g1FromMcl, g1ToStruct, g2FromMcl, g2ToStruct, mulVecMcl, sumG1Mcl } from '../crypto/index.js'
import type { AggregationChainReader } from './chainReader.js'
import type { OperatorKeys } from './operatorKeys.js'
import type { DigestTally, TaskState } from './taskState.js'
import type { Certificate } from './types.js'

export type BuiltCertificate = { certificate: Certificate; signers: Hex[]; nonSigners: Hex[] }

export function sortOperatorIds(ids: Iterable<Hex>): Hex[] {
  return [...ids].sort((a, b) => {
    const x = BigInt(a)
    const y = BigInt(b)
    return x < y ? -1 : x > y ? 1 : 0
  })
}

export async function buildCertificate(
  state: TaskState,
  tally: DigestTally,
  keys: OperatorKeys,
  reader: AggregationChainReader,
): Promise<BuiltCertificate> {
  const { snapshot, params } = state
  const operatorOf = (id: Hex) => {
    const operator = snapshot.operators.get(id)
    if (!operator) throw new Error(`operator ${id} is not in task ${params.taskIndex}'s operator set`)
    return operator
  }
  const signers = [...tally.signatures.keys()]
  const nonSigners = sortOperatorIds([...snapshot.operators.keys()].filter((id) => !tally.signatures.has(id)))

  const quorumApks = params.quorumNumbers.map((quorum) =>
    sumG1Mcl([...snapshot.operators.values()].filter((o) => o.stakes.has(quorum)).map((o) => keys.get(o).g1)),
  )
  // k_i: the number of the task's quorums each signer is in.
  const multiplicities = signers.map((id) => {
    const fr = new mcl.Fr()
    fr.setInt(operatorOf(id).stakes.size)
    return fr
  })
  const sigma = mulVecMcl(
    signers.map((id) => (tally.signatures.get(id) as { mcl: mcl.G1 }).mcl),
    multiplicities,
  )
  const apkG2 = mulVecMcl(
    signers.map((id) => keys.get(operatorOf(id)).g2),
    multiplicities,
  )
  const indices = await reader.checkSignaturesIndices(params.referenceBlock, params.quorumNumbers, nonSigners)
  return {
    signers,
    nonSigners,
    certificate: {
      nonSignerQuorumBitmapIndices: indices.nonSignerQuorumBitmapIndices,
      nonSignerPubkeys: nonSigners.map((id) => g1ToStruct(operatorOf(id).pubkeyG1)),
      quorumApks: quorumApks.map((apk) => g1ToStruct(g1FromMcl(apk))),
      apkG2: g2ToStruct(g2FromMcl(apkG2)),
      sigma: g1ToStruct(g1FromMcl(sigma)),
      quorumApkIndices: indices.quorumApkIndices,
      totalStakeIndices: indices.totalStakeIndices,
      nonSignerStakeIndices: indices.nonSignerStakeIndices,
    },
  }
}
