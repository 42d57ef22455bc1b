/**
 * Which signatures of a batch are invalid, at the cost of one multi-pairing for an all-valid batch.
 *
 * The whole batch is checked with a random linear combination (crypto/bn254 `verifyBatchMcl`). When it fails,
 * it is split in halves and each half checked again, down to single signatures: b bad signatures among n cost
 * about 2·b·log₂(n) batch checks instead of n single ones, so a forged signature costs its sender nothing but
 * its own rejection. Every check draws fresh random scalars, so the splitting leaks nothing an attacker can use.
 */
import type * as mcl from 'mcl-wasm'
import { verifyBatchMcl, verifySignatureMcl } from '../crypto/index.js'

export type SignatureCheck = { hash: mcl.G1; pkG2: mcl.G2; signature: mcl.G1 }

/** Indices (into `items`) of the invalid signatures. */
export function findInvalidSignatures(items: readonly SignatureCheck[]): number[] {
  const invalid: number[] = []
  const visit = (start: number, end: number, knownBad: boolean) => {
    const count = end - start
    if (count === 0) return
    if (count === 1) {
      const item = items[start] as SignatureCheck
      if (knownBad || !verifySignatureMcl(item.pkG2, item.hash, item.signature)) invalid.push(start)
      return
    }
    if (!knownBad && verifyBatchMcl(items.slice(start, end).map(toBatchItem))) return
    const middle = start + Math.ceil(count / 2)
    const leftValid = verifyBatchMcl(items.slice(start, middle).map(toBatchItem))
    if (!leftValid) visit(start, middle, true)
    // When the left half is valid, the right half must hold the bad signature(s) the parent check found.
    visit(middle, end, leftValid)
  }
  visit(0, items.length, false)
  return invalid
}

function toBatchItem(item: SignatureCheck) {
  return { hash: item.hash, pkG2: item.pkG2, signature: item.signature }
}
