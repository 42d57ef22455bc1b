/**
 * BN254 BLS on mcl-wasm: avskit's crypto/bn254 against raw mcl-wasm calls in the same run.
 *
 *     npx vitest bench --run bench/bls.bench.ts
 *
 * vitest's table has no median, so each benchmark also times its own calls and, once a group has run, prints
 * "median …" lines and the ratio of each avskit variant to the group's raw mcl baseline (ratio > 1: avskit is
 * slower). The raw baselines are what a caller of mcl-wasm would write by hand:
 * - sign: mcl.hashAndMapToG1(digest) then one G1 multiplication (mcl's own map, not EigenLayer's);
 * - verify: two full mcl.pairing calls compared with isEqual;
 * - aggregate-verify: fold mcl.add over the signatures and the keys, then two mcl.pairing calls;
 * - batch: 100 raw verifies.
 * avskit's bigint API includes the conversions from bigints and the input checks; the `…Mcl` variants start from
 * checked mcl values. verifySignature appears twice: with a key it has checked before (the subgroup check is
 * remembered per key) and rotating through more keys than that memory holds (every call pays the check).
 * Signatures are the same objects in every iteration; nothing is remembered about G1 points, so that is fair.
 */
import * as mcl from 'mcl-wasm'
import { bench, describe } from 'vitest'
import {
  type BatchItem,
  type BlsKeyPair,
  blsKeyPairFromPrivateKey,
  blsPrivateKeyToMcl,
  type G1Point,
  g1ToMcl,
  g2ToMcl,
  generateBlsPrivateKey,
  hashToG1Mcl,
  initBn254,
  signDigest,
  signHashMcl,
  verifyAggregateSameMessage,
  verifyAggregateSameMessageMcl,
  verifyBatch,
  verifyBatchMcl,
  verifySignature,
  verifySignatureMcl,
} from '../src/crypto/index.js'

await initBn254()

// ---------------------------------------------------------------------------------------------------------------
// Median reporting

type Group = { baseline: string; medians: Map<string, number>; members: number }
const groups = new Map<string, Group>()

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}

/** Registers a benchmark whose own per-call timings give a median, reported against the group's baseline. */
function measured(group: string, name: string, fn: () => unknown, options: { baseline?: boolean; time?: number } = {}) {
  const g = groups.get(group) ?? { baseline: '', medians: new Map<string, number>(), members: 0 }
  groups.set(group, g)
  g.members++
  if (options.baseline) g.baseline = name
  const samples: number[] = []
  bench(
    name,
    () => {
      const start = performance.now()
      fn()
      samples.push(performance.now() - start)
    },
    {
      time: options.time ?? 1000,
      setup: (_task, mode) => {
        if (mode === 'run') samples.length = 0
      },
      teardown: (_task, mode) => {
        if (mode !== 'run') return
        g.medians.set(name, median(samples))
        if (g.medians.size === g.members) report(group, g)
      },
    },
  )
}

function report(name: string, g: Group): void {
  const base = g.medians.get(g.baseline)
  const lines = [...g.medians].map(([bench, ms]) => {
    const ratio = base === undefined || bench === g.baseline ? '' : `  ratio to baseline ${(ms / base).toFixed(2)}`
    return `  median ${ms.toFixed(4)} ms  ${bench}${ratio}`
  })
  console.log([`[${name}] samples timed per call`, ...lines].join('\n'))
}

// ---------------------------------------------------------------------------------------------------------------
// Fixtures

const digest = `0x${'a5'.repeat(32)}` as const
const digestBytes = Uint8Array.from({ length: 32 }, () => 0xa5)
const sk = generateBlsPrivateKey()
const keyPair = blsKeyPairFromPrivateKey(sk)
const signature = signDigest(sk, digest)

const rawSk = new mcl.Fr()
rawSk.setStr(sk.toString(16), 16)
const rawG2 = g2ToMcl(keyPair.g2) // EIP-197 generator × sk, same key as above
const rawG2Generator = g2ToMcl(blsKeyPairFromPrivateKey(1n).g2)
const rawSignature = mcl.mul(mcl.hashAndMapToG1(digestBytes), rawSk)

// More distinct keys than the subgroup-check memory holds (4096), visited in a cycle: every call misses it.
const ROTATING_KEYS = 5000
const rotating = Array.from({ length: ROTATING_KEYS }, () => {
  const k = generateBlsPrivateKey()
  return { g2: blsKeyPairFromPrivateKey(k).g2, signature: signDigest(k, digest) }
})
let rotation = 0

const AGGREGATE_SIZE = 1000
const signers: BlsKeyPair[] = Array.from({ length: AGGREGATE_SIZE }, () =>
  blsKeyPairFromPrivateKey(generateBlsPrivateKey()),
)
const aggregateKeys = signers.map((s) => s.g2)
const aggregateSignatures: G1Point[] = signers.map((s) => signDigest(s.privateKey, digest))
const aggregateKeysMcl = aggregateKeys.map((k) => g2ToMcl(k))
const aggregateSignaturesMcl = aggregateSignatures.map((s) => g1ToMcl(s))
const rawAggregateSignatures = signers.map((s) => {
  const fr = new mcl.Fr()
  fr.setStr(s.privateKey.toString(16), 16)
  return mcl.mul(mcl.hashAndMapToG1(digestBytes), fr)
})

const BATCH_SIZE = 100
const batch: BatchItem[] = signers.slice(0, BATCH_SIZE).map((s, i) => {
  const message = `0x${i.toString(16).padStart(64, '0')}` as const
  return { digest: message, pkG2: s.g2, signature: signDigest(s.privateKey, message) }
})
const batchMcl = batch.map((item) => ({
  hash: hashToG1Mcl(item.digest),
  pkG2: g2ToMcl(item.pkG2),
  signature: g1ToMcl(item.signature),
}))
const rawBatch = signers.slice(0, BATCH_SIZE).map((s, i) => {
  const message = Uint8Array.from({ length: 32 }, (_, j) => (j === 31 ? i : 0))
  const fr = new mcl.Fr()
  fr.setStr(s.privateKey.toString(16), 16)
  const hash = mcl.hashAndMapToG1(message)
  return { message, pk: g2ToMcl(s.g2), signature: mcl.mul(hash, fr) }
})

function rawVerify(pk: mcl.G2, message: Uint8Array, sig: mcl.G1): boolean {
  return mcl.pairing(sig, rawG2Generator).isEqual(mcl.pairing(mcl.hashAndMapToG1(message), pk))
}

// ---------------------------------------------------------------------------------------------------------------

describe('sign', () => {
  const skMcl = blsPrivateKeyToMcl(sk)
  measured('sign', 'raw mcl: hashAndMapToG1 + G1 mul', () => mcl.mul(mcl.hashAndMapToG1(digestBytes), rawSk), {
    baseline: true,
  })
  measured('sign', 'avskit signDigest (bigint in/out)', () => signDigest(sk, digest))
  measured('sign', 'avskit signHashMcl(hashToG1Mcl)', () => signHashMcl(skMcl, hashToG1Mcl(digest)))
})

describe('verify', () => {
  const hash = hashToG1Mcl(digest)
  const signatureMcl = g1ToMcl(signature)
  measured('verify', 'raw mcl: 2 × mcl.pairing + isEqual', () => rawVerify(rawG2, digestBytes, rawSignature), {
    baseline: true,
  })
  measured('verify', 'raw mcl: 1 × mcl.pairing', () => mcl.pairing(rawSignature, rawG2))
  measured('verify', 'avskit verifySignature (key checked before)', () =>
    verifySignature(keyPair.g2, digest, signature),
  )
  measured('verify', 'avskit verifySignature (new key: subgroup check)', () => {
    const item = rotating[rotation++ % ROTATING_KEYS]!
    // a fresh object, as if just decoded, so that only the by-coordinates memory could know it
    verifySignature({ x: [item.g2.x[0], item.g2.x[1]], y: [item.g2.y[0], item.g2.y[1]] }, digest, item.signature)
  })
  measured('verify', 'avskit verifySignatureMcl(hashToG1Mcl)', () =>
    verifySignatureMcl(rawG2, hashToG1Mcl(digest), signatureMcl),
  )
  measured('verify', 'avskit verifySignatureMcl (hash given)', () => verifySignatureMcl(rawG2, hash, signatureMcl))
})

describe('aggregate-verify 1000 same-message signatures', () => {
  const group = 'aggregate-verify(1000)'
  measured(
    group,
    'raw mcl: fold mcl.add ×2000 + 2 × mcl.pairing',
    () => {
      let sigma = new mcl.G1()
      for (const s of rawAggregateSignatures) sigma = mcl.add(sigma, s)
      let apk = new mcl.G2()
      for (const k of aggregateKeysMcl) apk = mcl.add(apk, k)
      return mcl.pairing(sigma, rawG2Generator).isEqual(mcl.pairing(mcl.hashAndMapToG1(digestBytes), apk))
    },
    { baseline: true, time: 2000 },
  )
  measured(
    group,
    'avskit verifyAggregateSameMessage (bigint in, keys checked before)',
    () => verifyAggregateSameMessage(aggregateKeys, digest, aggregateSignatures),
    { time: 2000 },
  )
  measured(
    group,
    'avskit verifyAggregateSameMessageMcl',
    () => verifyAggregateSameMessageMcl(aggregateKeysMcl, hashToG1Mcl(digest), aggregateSignaturesMcl),
    { time: 2000 },
  )
})

describe('verifyBatch 100 distinct messages', () => {
  const group = 'verifyBatch(100)'
  measured(
    group,
    'raw mcl: 100 × (2 × mcl.pairing)',
    () => rawBatch.every((b) => rawVerify(b.pk, b.message, b.signature)),
    {
      baseline: true,
      time: 3000,
    },
  )
  measured(group, 'avskit verifyBatch (bigint in, keys checked before)', () => verifyBatch(batch), { time: 3000 })
  measured(group, 'avskit verifyBatchMcl', () => verifyBatchMcl(batchMcl), { time: 3000 })
})
