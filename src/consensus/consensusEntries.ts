/**
 * The entries the consensus layer writes to the Raft log. Every fact a future leader needs goes through the log,
 * so that whoever leads next resumes from exactly what the cluster agreed on:
 *
 * - `leader`: written by each new leader before it acts (the no-op entry of Raft thesis section 6.4: once it is
 *   applied here, every entry committed by earlier leaders is applied too);
 * - `task`: a task request and the aggregation parameters the leader fixed for it (reference block, quorums,
 *   thresholds, expiry);
 * - `signatures`: signed responses the leader verified, batched;
 * - `certified` / `expired`: the aggregation's outcome (the certificate, or why it expired);
 * - `submitted`: what became of the certificate on chain;
 * - `equivocation`: evidence of an operator that signed two different responses to one task;
 * - `meta`: a small key/value fact (the AVS's task cursor, for one).
 *
 * Each entry carries `at`, the proposer's clock, so that every member records the same times. An entry that does
 * not decode is skipped by every member alike (decoding is deterministic), so one bad entry cannot halt the
 * cluster.
 */
import type { Hex } from 'viem'
import { z } from 'zod'
import { decodeConsensusJson, encodeConsensusJson } from './consensusJson.js'

const hex32 = z.string().regex(/^0x[0-9a-f]{64}$/, 'expected 32 bytes as lowercase 0x-hex') as z.ZodType<Hex>
const txHash = z.string().regex(/^0x[0-9a-fA-F]{64}$/) as z.ZodType<Hex>
const taskIndex = z.bigint().nonnegative()
const g1Json = z.object({ x: z.string().regex(/^\d{1,80}$/), y: z.string().regex(/^\d{1,80}$/) })

export const taskRowDataSchema = z.object({
  referenceBlock: z.bigint().nonnegative(),
  quorumNumbers: z.array(z.number().int().min(0).max(191)).min(1),
  thresholdPercentages: z.array(z.number().int().min(1).max(100)).min(1),
  /** Milliseconds since the epoch. */
  expiresAt: z.number().int().nullable(),
  expiryBlock: z.bigint().nonnegative().nullable(),
  collectionWindowMs: z.number().int().min(0),
})
export type TaskRowData = z.infer<typeof taskRowDataSchema>

const signatureDataSchema = z.object({
  taskIndex,
  operatorId: hex32,
  digest: hex32,
  signature: g1Json,
  response: z.unknown(),
})
export type SignatureData = z.infer<typeof signatureDataSchema>

const submissionSchema = z.union([
  z.object({ transactionHash: txHash, blockNumber: z.bigint(), gasUsed: z.bigint() }),
  z.object({ alreadyResponded: z.literal(true) }),
  z.object({ failed: z.string() }),
])
/** What became of a certificate: a transaction, a response someone else already made, or a permanent failure. */
export type Submission = z.infer<typeof submissionSchema>

const equivocationSchema = z.object({
  taskIndex,
  operatorId: hex32,
  firstDigest: hex32,
  firstSignature: g1Json,
  secondDigest: hex32,
  secondSignature: g1Json,
})
export type EquivocationData = z.infer<typeof equivocationSchema>

const at = z.number().int().nonnegative()

export const consensusEntrySchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('leader'), leaderId: z.string().min(1), at }),
  z.object({ kind: z.literal('task'), taskIndex, request: z.unknown(), task: taskRowDataSchema, at }),
  z.object({ kind: z.literal('signatures'), rows: z.array(signatureDataSchema).min(1), at }),
  z.object({ kind: z.literal('certified'), taskIndex, digest: hex32, certificate: z.unknown(), at }),
  z.object({ kind: z.literal('expired'), taskIndex, outcome: z.string(), at }),
  z.object({ kind: z.literal('submitted'), taskIndex, submission: submissionSchema, at }),
  z.object({ kind: z.literal('equivocation'), evidence: equivocationSchema, at }),
  z.object({ kind: z.literal('meta'), key: z.string().min(1).max(200), value: z.unknown(), at }),
])
export type ConsensusEntry = z.infer<typeof consensusEntrySchema>
export type ConsensusEntryKind = ConsensusEntry['kind']

export function encodeConsensusEntry(entry: ConsensusEntry): Uint8Array {
  return encodeConsensusJson(entry)
}

/** The entry, or the reason it is not one. */
export function decodeConsensusEntry(data: Uint8Array): { entry: ConsensusEntry } | { invalid: string } {
  let value: unknown
  try {
    value = decodeConsensusJson(data, 'consensus entry')
  } catch (error) {
    return { invalid: error instanceof Error ? error.message : String(error) }
  }
  const parsed = consensusEntrySchema.safeParse(value)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    return { invalid: `${issue?.path.join('.') || 'entry'}: ${issue?.message ?? 'invalid'}` }
  }
  return { entry: parsed.data as ConsensusEntry }
}
