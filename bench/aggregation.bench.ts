/**
 * BLS aggregation service: 1000 operators signing one digest, against verifying every signature with its own
 * pairing check (what eigensdk-go's `blsagg` does) in the same run; and the gas of `respondToTask` on anvil as a
 * function of the number of non-signers.
 *
 *     node --expose-gc --import tsx bench/aggregation.bench.ts
 *
 * A plain script, not a vitest bench: every figure here is measured by hand (process CPU time around a burst of
 * 1000 concurrent async calls, the time from the last submission to the `certified` event, gas from receipts),
 * one task per iteration with one long-lived service; tinybench's wall-clock-per-call table would add nothing but
 * its own warm-up iterations. Under `vitest bench` the file registers one skipped entry that names this command.
 *
 * 1. CPU per signature. A long-lived `createAggregationService` (as an aggregator runs it: operator keys stay
 *    converted between tasks) over a real store, PGlite in memory opened once before anything is timed, and an
 *    `AggregationChainReader` implemented below over a synthetic 1000-operator snapshot in two quorums (registering
 *    1000 operators on anvil would measure anvil, not aggregation). Per iteration: a new task is initialized
 *    (untimed), then its 1000 signed responses are submitted at once, as a busy aggregator receives them, and
 *    process.cpuUsage() and the clock run from the first submission until every call has answered and `certified`
 *    has fired. Signature parsing, batch verification, the store writes, threshold bookkeeping and the certificate
 *    are all inside. Also with one forged signature among the 1000 (the batch fails and is split to find it).
 * 2. Time from the last signature to the certificate: in the burst above (from the 1000th submission), and with 999
 *    signatures already accepted at a 100 % threshold, so the last one alone completes the task.
 * 3. Baseline in the same run, on the same 1000 responses: `verifySignature` per signature (bigint in, digest hashed
 *    per call, key already checked: eigensdk-go also hashes per call and keeps its keys deserialised), the same
 *    with everything prepared (`verifySignatureMcl`: only the pairing check), and eigensdk-go's per-signature
 *    bookkeeping alone (add σ to the aggregate in G1, the key to apkG2, stake per quorum, threshold check).
 * 4. Gas: 20 operators registered on anvil in quorums 0 and 1 (test/aggregation/network.ts), equal stakes; for tasks
 *    over quorum 0 and over quorums 0 and 1 at a 50 % threshold, 0, 1, 2, 5 and 10 operators stay silent, the
 *    service (with the real chain reader) certifies the rest and `respondToTask` is sent as a real transaction.
 *    Each real `getCheckSignaturesIndices` eth_call is timed too.
 * 5. Prototypes, each checked against the code the service runs today (same result) and timed beside it: the G2
 *    multi-scalar multiplication of batch verification by the bucket method, the certificate's σ and apkG2 as sums
 *    by multiplicity, and the signature insert as one statement over array parameters.
 */
import { availableParallelism } from 'node:os'
import * as mcl from 'mcl-wasm'
import { keccak256, parseEther, toHex } from 'viem'
import {
  type AggregationChainReader,
  type AggregationService,
  createAggregationService,
  type OperatorSetSnapshot,
  type SignedResponse,
  type TaskCertified,
  type TaskOperator,
} from '../src/aggregation/index.js'
import { taskManagerAbi } from '../src/chain/artifacts/index.js'
import { createLogger } from '../src/core/logger.js'
import { createMetrics } from '../src/core/metrics.js'
import {
  type BlsKeyPair,
  BN254_R,
  blsKeyPairFromPrivateKey,
  blsPrivateKeyToMcl,
  g1FromMcl,
  g1ToJson,
  g1ToMcl,
  g2ToMcl,
  hashToG1Mcl,
  initBn254,
  mulVecMcl,
  randomBatchScalars,
  signHashMcl,
  sumG1Mcl,
  sumG2Mcl,
  verifySignature,
  verifySignatureMcl,
} from '../src/crypto/index.js'
import { startAnvil } from '../src/devnet/anvil.js'
import {
  type AggregationRepository,
  createAggregationRepository,
  type Database,
  openDatabase,
} from '../src/store/index.js'

const OPERATORS = 1000
const QUORUMS = [0, 1] as const
/** Iterations per scenario (the first honest burst, keys not yet converted, is reported apart). */
const RUNS = { burst: 7, forged: 5, last: 7, verifyEach: 5, verifyPrepared: 3, bookkeeping: 7 }
const GAS_OPERATORS = 20
const GAS_NON_SIGNERS = [0, 1, 2, 5, 10]
/** Synthetic task indexes start here, clear of the on-chain TaskManager's 0, 1, 2, … in the same store. */
const SYNTHETIC_TASKS = 1_000_000n

const logger = createLogger({ level: 'silent' })
const collectGarbage = (globalThis as { gc?: () => void }).gc ?? (() => {})

type Cpu = { cpuUs: number; wallMs: number }

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  if (sorted.length === 0) return Number.NaN
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}

function startClock() {
  const cpu = process.cpuUsage()
  const wall = performance.now()
  return (): Cpu => {
    const used = process.cpuUsage(cpu)
    return { cpuUs: used.user + used.system, wallMs: performance.now() - wall }
  }
}

// -----------------------------------------------------------------------------------------------------------------
// The synthetic operator set and its chain reader

type SyntheticOperator = TaskOperator & { keys: BlsKeyPair; secret: ReturnType<typeof blsPrivateKeyToMcl> }

/** Deterministic keys, sk_i = keccak256("avskit bench operator i") mod (r − 1) + 1: every run signs with the same set. */
function createOperators(count: number): SyntheticOperator[] {
  return Array.from({ length: count }, (_, i) => {
    const sk = (BigInt(keccak256(toHex(`avskit bench operator ${i}`))) % (BN254_R - 1n)) + 1n
    const keys = blsKeyPairFromPrivateKey(sk)
    // Every operator in quorum 0, one in four also in quorum 1 (those count twice in σ and apkG2).
    const stake = parseEther(String(10 + (i % 90)))
    const stakes = new Map<number, bigint>([[0, stake]])
    if (i % 4 === 0) stakes.set(1, stake)
    return {
      operatorId: keys.operatorId,
      address: `0x${keccak256(keys.operatorId).slice(-40)}`,
      pubkeyG1: keys.g1,
      pubkeyG2: keys.g2,
      stakes,
      keys,
      secret: blsPrivateKeyToMcl(sk),
    }
  })
}

function createSnapshot(operators: readonly SyntheticOperator[]): OperatorSetSnapshot {
  const totalStakes = new Map<number, bigint>()
  for (const operator of operators) {
    for (const [quorum, stake] of operator.stakes) totalStakes.set(quorum, (totalStakes.get(quorum) ?? 0n) + stake)
  }
  return {
    referenceBlock: 0n,
    quorumNumbers: QUORUMS,
    operators: new Map(operators.map((o) => [o.operatorId, o])),
    totalStakes,
  }
}

/**
 * When the service last reached each point where it calls out: the store writes and the indices read. Phases of a
 * run are the gaps between these marks (wall clock; PGlite and the synthetic reader run on this thread).
 */
type Marks = {
  insertStart?: number
  insertEnd?: number
  indices?: number
  markStart?: number
  markEnd?: number
  inserts: number
}

/** The chain as the service sees it, answered from memory: no RPC cost inside the timed part. */
function createSyntheticReader(snapshot: OperatorSetSnapshot, marks: Marks): AggregationChainReader {
  return {
    async readOperatorSet(referenceBlock, quorumNumbers) {
      if (quorumNumbers.join() !== QUORUMS.join()) throw new Error(`the synthetic set has quorums ${QUORUMS.join()}`)
      return { ...snapshot, referenceBlock }
    },
    async operatorQuorumsAt() {
      return undefined
    },
    async checkSignaturesIndices(_referenceBlock, quorumNumbers, nonSigners) {
      marks.indices = performance.now()
      const inQuorum = (quorum: number) => nonSigners.filter((id) => snapshot.operators.get(id)?.stakes.has(quorum))
      return {
        nonSignerQuorumBitmapIndices: nonSigners.map(() => 0),
        quorumApkIndices: quorumNumbers.map(() => 0),
        totalStakeIndices: quorumNumbers.map(() => 0),
        nonSignerStakeIndices: quorumNumbers.map((q) => inQuorum(q).map(() => 0)),
      }
    },
  }
}

/** The repository, marking when its two hot calls start and end. */
function markRepository(repository: AggregationRepository, marks: Marks): AggregationRepository {
  return {
    ...repository,
    async insertSignatures(rows) {
      marks.insertStart ??= performance.now()
      marks.inserts++
      try {
        return await repository.insertSignatures(rows)
      } finally {
        marks.insertEnd = performance.now()
      }
    },
    async markCertified(taskIndex, digest, certificate) {
      marks.markStart = performance.now()
      try {
        return await repository.markCertified(taskIndex, digest, certificate)
      } finally {
        marks.markEnd = performance.now()
      }
    },
  }
}

/** Wall-clock phases of one run, from the first submission (`start`) to the `certified` event (`end`). */
type Phases = {
  /** Parsing the submissions, queueing, and batch verification (the last one also measured alone, as `verify`). */
  toInsert: number
  verify: number
  insertSignatures: number
  /** Threshold check and σ, apkG2, quorum APKs and sorted non-signers (buildCertificate up to the indices read). */
  aggregate: number
  /** Point conversions, stakes and the JSON document of the certificate. */
  encode: number
  markCertified: number
  emit: number
}

function phasesOf(marks: Marks, start: number, end: number, verifyMs: number): Phases {
  const at = (mark: number | undefined, name: string) => {
    if (mark === undefined) throw new Error(`the service never reached ${name}`)
    return mark
  }
  const insertStart = at(marks.insertStart, 'insertSignatures')
  const insertEnd = at(marks.insertEnd, 'insertSignatures')
  const indices = at(marks.indices, 'checkSignaturesIndices')
  const markStart = at(marks.markStart, 'markCertified')
  const markEnd = at(marks.markEnd, 'markCertified')
  return {
    toInsert: insertStart - start,
    verify: verifyMs,
    insertSignatures: insertEnd - insertStart,
    aggregate: indices - insertEnd,
    encode: markStart - indices,
    markCertified: markEnd - markStart,
    emit: end - markEnd,
  }
}

function signResponses(operators: readonly SyntheticOperator[], taskIndex: bigint, digest: `0x${string}`) {
  const hash = hashToG1Mcl(digest)
  return operators.map(
    (operator): SignedResponse => ({
      taskIndex,
      digest,
      signature: g1FromMcl(signHashMcl(operator.secret, hash)),
      operatorId: operator.operatorId,
      response: { result: digest },
    }),
  )
}

function certifiedOnce(service: AggregationService, taskIndex: bigint) {
  return new Promise<{ event: TaskCertified; at: number }>((resolve) => {
    const off = service.on('certified', (event) => {
      if (event.taskIndex !== taskIndex) return
      off()
      resolve({ event, at: performance.now() })
    })
  })
}

// -----------------------------------------------------------------------------------------------------------------

async function main() {
  await initBn254()
  const started = performance.now()
  console.log(`node ${process.version}, ${availableParallelism()} cores, gc ${'gc' in globalThis}`)

  const keysClock = startClock()
  const operators = createOperators(OPERATORS)
  const snapshot = createSnapshot(operators)
  console.log(`${OPERATORS} operator keys in ${keysClock().wallMs.toFixed(0)} ms`)

  const dbClock = startClock()
  const database = await openDatabase({})
  console.log(`PGlite in memory opened (once, untimed) in ${dbClock().wallMs.toFixed(0)} ms`)
  const marks: Marks = { inserts: 0 }
  const repository = createAggregationRepository(database.db)
  const metrics = createMetrics({ defaultMetrics: false })
  const service = createAggregationService({
    reader: createSyntheticReader(snapshot, marks),
    repository: markRepository(repository, marks),
    logger,
    metrics,
  })
  await service.start()

  const verifySecondsSum = async () =>
    (await metrics.aggregation.verifySeconds.get()).values.find((v) => v.metricName?.endsWith('_sum'))?.value ?? 0

  let nextTask = SYNTHETIC_TASKS
  async function newTask(threshold: number) {
    const taskIndex = nextTask++
    const digest = keccak256(toHex(`avskit bench task ${taskIndex}`))
    await service.initializeTask({
      taskIndex,
      referenceBlock: 1n,
      quorumNumbers: QUORUMS,
      thresholdPercentages: threshold,
      expiresAt: Date.now() + 600_000,
    })
    return { taskIndex, digest, responses: signResponses(operators, taskIndex, digest) }
  }

  type Sample = Cpu & { lastToCertifiedMs: number; phases: Phases; nonSigners: number }

  function resetMarks() {
    for (const key of ['insertStart', 'insertEnd', 'indices', 'markStart', 'markEnd'] as const) delete marks[key]
    marks.inserts = 0
  }

  /** All responses submitted at once; the clock runs until every call has answered and `certified` fired. */
  async function burst(options: { forge?: number }): Promise<Sample> {
    const task = await newTask(67)
    const responses = [...task.responses]
    if (options.forge !== undefined) {
      // A valid point signed with another operator's key: well-formed, not this operator's signature.
      const victim = responses[options.forge] as SignedResponse
      const other = responses[(options.forge + 1) % responses.length] as SignedResponse
      responses[options.forge] = { ...victim, signature: other.signature }
    }
    collectGarbage()
    const certified = certifiedOnce(service, task.taskIndex)
    const verifyBefore = await verifySecondsSum()
    resetMarks()
    const stop = startClock()
    const first = performance.now()
    const answers = responses.map((response) => service.processSignedResponse(response))
    const lastSubmitted = performance.now()
    const [results, outcome] = await Promise.all([Promise.all(answers), certified])
    const used = stop()
    const rejected = results.filter((r) => r.status !== 'accepted')
    const expectedRejections = options.forge === undefined ? 0 : 1
    if (
      rejected.length !== expectedRejections ||
      rejected.some((r) => r.status === 'rejected' && r.code !== 'INVALID_SIGNATURE')
    ) {
      throw new Error(`unexpected results: ${JSON.stringify(rejected)}`)
    }
    if (marks.inserts !== 1) throw new Error(`expected one batch, got ${marks.inserts}`)
    const verifyMs = ((await verifySecondsSum()) - verifyBefore) * 1000
    return {
      ...used,
      lastToCertifiedMs: outcome.at - lastSubmitted,
      phases: phasesOf(marks, first, outcome.at, verifyMs),
      nonSigners: outcome.event.nonSigners.length,
    }
  }

  /** 999 signatures accepted first at a 100 % threshold (untimed); then the last one, until `certified`. */
  async function lastSignature(): Promise<Sample> {
    const task = await newTask(100)
    const last = task.responses.at(-1) as SignedResponse
    const results = await Promise.all(task.responses.slice(0, -1).map((r) => service.processSignedResponse(r)))
    if (results.some((r) => r.status !== 'accepted')) throw new Error('a signature was rejected')
    collectGarbage()
    const certified = certifiedOnce(service, task.taskIndex)
    const verifyBefore = await verifySecondsSum()
    resetMarks()
    const stop = startClock()
    const first = performance.now()
    const [result, outcome] = await Promise.all([service.processSignedResponse(last), certified])
    const used = stop()
    if (result.status !== 'accepted') throw new Error(`the last signature was rejected: ${JSON.stringify(result)}`)
    const verifyMs = ((await verifySecondsSum()) - verifyBefore) * 1000
    return {
      ...used,
      lastToCertifiedMs: outcome.at - first,
      phases: phasesOf(marks, first, outcome.at, verifyMs),
      nonSigners: outcome.event.nonSigners.length,
    }
  }

  const cold = await burst({})
  const honest: Sample[] = []
  for (let i = 0; i < RUNS.burst; i++) honest.push(await burst({}))
  const forged: Sample[] = []
  for (let i = 0; i < RUNS.forged; i++) forged.push(await burst({ forge: (i * 337 + 101) % OPERATORS }))
  const last: Sample[] = []
  for (let i = 0; i < RUNS.last; i++) last.push(await lastSignature())
  console.log(`service scenarios done at ${((performance.now() - started) / 1000).toFixed(1)} s`)

  // ---------------------------------------------------------------------------------------------------------------
  // Baselines: the same kind of task, one pairing check per signature.

  const byId = snapshot.operators
  const operatorOf = (id: `0x${string}`) => byId.get(id) as TaskOperator
  const baselineTask = signResponses(operators, 0n, keccak256(toHex('avskit bench baseline')))

  function verifyEach(): Cpu {
    collectGarbage()
    const stop = startClock()
    let valid = 0
    for (const r of baselineTask) if (verifySignature(operatorOf(r.operatorId).pubkeyG2, r.digest, r.signature)) valid++
    const used = stop()
    if (valid !== OPERATORS) throw new Error(`verify-each: ${valid} valid`)
    return used
  }

  const prepared = baselineTask.map((r) => ({
    pk: g2ToMcl(operatorOf(r.operatorId).pubkeyG2),
    hash: hashToG1Mcl(r.digest),
    signature: g1ToMcl(r.signature),
    operator: operatorOf(r.operatorId),
  }))
  function verifyPrepared(): Cpu {
    collectGarbage()
    const stop = startClock()
    let valid = 0
    for (const p of prepared) if (verifySignatureMcl(p.pk, p.hash, p.signature)) valid++
    const used = stop()
    if (valid !== OPERATORS) throw new Error(`verify-prepared: ${valid} valid`)
    return used
  }

  /** eigensdk-go blsagg's per-signature aggregation after each verification, alone. */
  function bookkeeping(): Cpu {
    const totals = snapshot.totalStakes
    collectGarbage()
    const stop = startClock()
    let sigma = new mcl.G1()
    let apkG2 = new mcl.G2()
    const signed = new Map<number, bigint>()
    let met = false
    for (const p of prepared) {
      sigma = mcl.add(sigma, p.signature)
      apkG2 = mcl.add(apkG2, p.pk)
      for (const [quorum, stake] of p.operator.stakes) signed.set(quorum, (signed.get(quorum) ?? 0n) + stake)
      met = QUORUMS.every((q) => (signed.get(q) ?? 0n) * 100n >= (totals.get(q) ?? 0n) * 67n)
    }
    const used = stop()
    if (!met || sigma.isZero() || apkG2.isZero()) throw new Error('bookkeeping: threshold not met')
    return used
  }

  const each: Cpu[] = []
  for (let i = 0; i < RUNS.verifyEach; i++) each.push(verifyEach())
  const eachPrepared: Cpu[] = []
  for (let i = 0; i < RUNS.verifyPrepared; i++) eachPrepared.push(verifyPrepared())
  const books: Cpu[] = []
  for (let i = 0; i < RUNS.bookkeeping; i++) books.push(bookkeeping())
  console.log(`baselines done at ${((performance.now() - started) / 1000).toFixed(1)} s`)
  await service.stop()

  // ---------------------------------------------------------------------------------------------------------------
  // Prototypes, then the gas of respondToTask on anvil

  const prototypes = await measurePrototypes(database, repository, operators, prepared)
  console.log(`prototypes done at ${((performance.now() - started) / 1000).toFixed(1)} s`)
  const gas = await measureGas(repository)
  await database.close()

  // ---------------------------------------------------------------------------------------------------------------
  // Report

  const perSig = (samples: readonly Cpu[]) => median(samples.map((s) => s.cpuUs)) / OPERATORS
  const wall = (samples: readonly Cpu[]) => median(samples.map((s) => s.wallMs))
  const us = (value: number) => `${value.toFixed(1)} µs`
  const ms = (value: number) => `${value.toFixed(1)} ms`
  const honestPerSig = perSig(honest)
  const baselinePerSig = perSig(each) + perSig(books)
  const rows: string[][] = [
    [`avskit service, 1000 signatures at once (${RUNS.burst} tasks)`, us(honestPerSig), ms(wall(honest))],
    [
      'avskit service, first task of the process (1000 G2 keys converted and subgroup-checked, JIT cold)',
      us(cold.cpuUs / OPERATORS),
      ms(cold.wallMs),
    ],
    [`avskit service, 1 forged among 1000 (${RUNS.forged} tasks)`, us(perSig(forged)), ms(wall(forged))],
    [`baseline: verifySignature per signature (${RUNS.verifyEach} runs)`, us(perSig(each)), ms(wall(each))],
    [
      `baseline: verifySignatureMcl per signature, inputs prepared (${RUNS.verifyPrepared} runs)`,
      us(perSig(eachPrepared)),
      ms(wall(eachPrepared)),
    ],
    [
      `baseline: eigensdk-go per-signature bookkeeping alone (${RUNS.bookkeeping} runs)`,
      us(perSig(books)),
      ms(wall(books)),
    ],
  ]
  const phase = (samples: readonly Sample[], pick: (p: Phases) => number) =>
    ms(median(samples.map((s) => pick(s.phases))))
  const phaseRows: [string, (p: Phases) => number][] = [
    ['submissions parsed, queued, batch-verified', (p) => p.toInsert],
    ['… of which batch verification (findInvalidSignatures)', (p) => p.verify],
    ['insertSignatures (PGlite)', (p) => p.insertSignatures],
    ['threshold, σ, apkG2, quorum APKs, sorted non-signers', (p) => p.aggregate],
    ['certificate encoding (structs, stakes, JSON)', (p) => p.encode],
    ['markCertified (PGlite)', (p) => p.markCertified],
    ['to the `certified` listener', (p) => p.emit],
  ]
  const lines = [
    '| run | CPU per signature | wall for 1000 |',
    '|---|---:|---:|',
    ...rows.map((r) => `| ${r.join(' | ')} |`),
    '',
    `CPU per signature, baseline (verify-each + bookkeeping) ÷ avskit service: **${(baselinePerSig / honestPerSig).toFixed(1)}×**` +
      ` (verify-each alone ${(perSig(each) / honestPerSig).toFixed(1)}×, prepared pairing checks alone ${(perSig(eachPrepared) / honestPerSig).toFixed(1)}×;` +
      ` with one forged signature ${(baselinePerSig / perSig(forged)).toFixed(1)}×). Forged runs: the forged one rejected as INVALID_SIGNATURE, ${forged[0]?.nonSigners} non-signer in the certificate.`,
    '',
    '| from the submission to `certified` (wall, medians) | 1000 at once | 1 forged among 1000 | last one, 999 already accepted |',
    '|---|---:|---:|---:|',
    ...phaseRows.map(
      ([name, pick]) => `| ${name} | ${phase(honest, pick)} | ${phase(forged, pick)} | ${phase(last, pick)} |`,
    ),
    `| **total** | ${ms(wall(honest))} | ${ms(wall(forged))} | ${ms(wall(last))} |`,
    `| last submission → \`certified\` | ${ms(median(honest.map((s) => s.lastToCertifiedMs)))} | ${ms(median(forged.map((s) => s.lastToCertifiedMs)))} | ${ms(median(last.map((s) => s.lastToCertifiedMs)))} |`,
    `| CPU, whole run | ${ms(median(honest.map((s) => s.cpuUs)) / 1000)} | ${ms(median(forged.map((s) => s.cpuUs)) / 1000)} | ${ms(median(last.map((s) => s.cpuUs)) / 1000)} |`,
    '',
    '| hot spot, 1000 signatures (CPU, medians) | as in src today | prototype in this file | ratio |',
    '|---|---:|---:|---:|',
    ...prototypes.map(
      (p) => `| ${p.name} | ${ms(p.current)} | ${ms(p.proposed)} | ${(p.current / p.proposed).toFixed(1)}× |`,
    ),
    '',
    '| task quorums | non-signers | respondToTask gas | getCheckSignaturesIndices eth_call (wall) |',
    '|---|---:|---:|---:|',
    ...gas.rows.map((g) => `| ${g.quorums.join(', ')} | ${g.nonSigners} | ${g.gasUsed} | ${ms(g.indicesMs)} |`),
    '',
    `Gas set-up (anvil, deploy, ${GAS_OPERATORS} operators registered) ${(gas.setupMs / 1000).toFixed(1)} s; whole run ${((performance.now() - started) / 1000).toFixed(1)} s.`,
  ]
  console.log(`\n${lines.join('\n')}`)
}

// -----------------------------------------------------------------------------------------------------------------
// Prototypes of faster ways to do the three costliest steps, against the code the service runs today

type Prototype = { name: string; current: number; proposed: number }

/** fn's result and the process CPU time it took, in ms. */
function cpuMs<T>(fn: () => T): [T, number] {
  const stop = startClock()
  const result = fn()
  return [result, stop().cpuUs / 1000]
}

async function cpuMsAsync<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const stop = startClock()
  const result = await fn()
  return [result, stop().cpuUs / 1000]
}

/**
 * Σ cᵢ·Pᵢ by the bucket method (Pippenger) for scalars below 2⁶⁴, with `window`-bit digits: about
 * (64/window)·(n + 2^(window+1)) group additions instead of mcl.mulVec's full-width scalar handling.
 */
function mulVecSmallScalars(points: readonly mcl.G2[], scalars: readonly bigint[], window: number): mcl.G2 {
  const mask = (1n << BigInt(window)) - 1n
  let acc = new mcl.G2()
  for (let w = Math.ceil(64 / window) - 1; w >= 0; w--) {
    for (let d = 0; d < window; d++) acc = mcl.dbl(acc)
    const buckets: (mcl.G2 | undefined)[] = new Array(1 << window)
    const shift = BigInt(w * window)
    points.forEach((point, i) => {
      const digit = Number(((scalars[i] as bigint) >> shift) & mask)
      if (digit === 0) return
      const bucket = buckets[digit]
      buckets[digit] = bucket === undefined ? point : mcl.add(bucket, point)
    })
    let running = new mcl.G2()
    let sum = new mcl.G2()
    for (let digit = buckets.length - 1; digit >= 1; digit--) {
      const bucket = buckets[digit]
      if (bucket) running = mcl.add(running, bucket)
      sum = mcl.add(sum, running)
    }
    acc = mcl.add(acc, sum)
  }
  return acc
}

/** Σ kᵢ·Pᵢ for small multiplicities kᵢ as plain sums: Σ over k ≥ 1 of (Σ of the points with kᵢ ≥ k). */
function sumByMultiplicity<T extends mcl.G1 | mcl.G2>(
  points: readonly T[],
  multiplicities: readonly number[],
  sum: (p: T[]) => T,
): T {
  let acc: T | undefined
  const most = Math.max(...multiplicities)
  for (let k = 1; k <= most; k++) {
    const part = sum(points.filter((_, i) => (multiplicities[i] as number) >= k))
    acc = acc === undefined ? part : (mcl.add(acc, part) as T)
  }
  return acc as T
}

async function measurePrototypes(
  database: Database,
  repository: AggregationRepository,
  operators: readonly SyntheticOperator[],
  prepared: readonly { pk: mcl.G2; signature: mcl.G1; operator: TaskOperator }[],
): Promise<Prototype[]> {
  const runs = 5
  const pks = prepared.map((p) => p.pk)
  const signatures = prepared.map((p) => p.signature)

  // 1. Batch verification: its G2 multi-scalar multiplication with 64-bit random scalars.
  const msm = { current: [] as number[], proposed: [] as number[] }
  for (let i = 0; i < runs; i++) {
    const scalars = randomBatchScalars(pks.length)
    const values = scalars.map((s) => BigInt(`0x${s.getStr(16)}`))
    const [expected, current] = cpuMs(() => mulVecMcl(pks, scalars))
    const [got, proposed] = cpuMs(() => mulVecSmallScalars(pks, values, 7))
    if (!got.isEqual(expected)) throw new Error('bucket-method MSM disagrees with mulVecMcl')
    msm.current.push(current)
    msm.proposed.push(proposed)
  }

  // 2. The certificate's σ and apkG2: Σ kᵢ·σᵢ and Σ kᵢ·pkᵢ with kᵢ ∈ {1, 2}, as certificate.ts computes them.
  const multiplicities = prepared.map((p) => p.operator.stakes.size)
  const certificate = { current: [] as number[], proposed: [] as number[] }
  for (let i = 0; i < runs; i++) {
    const [expected, current] = cpuMs(() => {
      const frs = multiplicities.map((k) => {
        const fr = new mcl.Fr()
        fr.setInt(k)
        return fr
      })
      return [mulVecMcl(signatures, frs), mulVecMcl(pks, frs)] as const
    })
    const [got, proposed] = cpuMs(
      () =>
        [
          sumByMultiplicity(signatures, multiplicities, sumG1Mcl),
          sumByMultiplicity(pks, multiplicities, sumG2Mcl),
        ] as const,
    )
    if (!got[0].isEqual(expected[0]) || !got[1].isEqual(expected[1])) {
      throw new Error('sums by multiplicity disagree with mulVecMcl')
    }
    certificate.current.push(current)
    certificate.proposed.push(proposed)
  }

  // 3. The store write of a verified batch: the repository's drizzle multi-row insert against one statement that
  //    takes each column as one array parameter. Same rows as the service writes (signature as decimal JSON).
  const signatureJson = prepared.map((p) => g1ToJson(g1FromMcl(p.signature)))
  const store = { current: [] as number[], proposed: [] as number[] }
  for (let i = 0; i < runs; i++) {
    const digest = keccak256(toHex(`prototype ${i}`))
    const rows = (taskIndex: bigint) =>
      operators.map((o, j) => ({
        taskIndex,
        operatorId: o.operatorId,
        digest,
        signature: signatureJson[j] as { x: string; y: string },
        response: { result: digest },
      }))
    const viaRepository = rows(3_000_000n + BigInt(2 * i))
    const viaUnnest = rows(3_000_000n + BigInt(2 * i + 1))
    const [inserted, current] = await cpuMsAsync(() => repository.insertSignatures(viaRepository))
    if (inserted.size !== operators.length) throw new Error(`repository inserted ${inserted.size}`)
    const [result, proposed] = await cpuMsAsync(() =>
      database.query(
        `insert into aggregation_signatures (task_index, operator_id, digest, signature, response)
         select $1::bigint, o, d, s, r from unnest($2::text[], $3::text[], $4::jsonb[], $5::jsonb[]) as u(o, d, s, r)
         on conflict do nothing returning task_index, operator_id`,
        [
          String(viaUnnest[0]?.taskIndex),
          viaUnnest.map((r) => r.operatorId),
          viaUnnest.map((r) => r.digest),
          viaUnnest.map((r) => JSON.stringify(r.signature)),
          viaUnnest.map((r) => JSON.stringify(r.response)),
        ],
      ),
    )
    if (result.rowCount !== operators.length) throw new Error(`the unnest insert inserted ${result.rowCount}`)
    store.current.push(current)
    store.proposed.push(proposed)
  }

  const of = (name: string, samples: { current: number[]; proposed: number[] }): Prototype => ({
    name,
    current: median(samples.current),
    proposed: median(samples.proposed),
  })
  return [
    of('batch verification: G2 MSM, 64-bit scalars (mulVecMcl → bucket method, 7-bit windows, mcl.add)', msm),
    of('certificate σ and apkG2, multiplicities 1–2 (mulVecMcl → sums by multiplicity)', certificate),
    of('insertSignatures (drizzle multi-row VALUES → one INSERT … SELECT FROM unnest($arrays))', store),
  ]
}

// -----------------------------------------------------------------------------------------------------------------

type GasRow = { quorums: readonly number[]; nonSigners: number; gasUsed: bigint; indicesMs: number }

async function measureGas(repository: AggregationRepository): Promise<{ rows: GasRow[]; setupMs: number }> {
  // test/ helpers: the devnet contracts and operators registered as real ones are.
  const { createNetwork } = await import('../test/aggregation/network.js')
  const { send } = await import('../test/contracts/contractsFixture.js')
  const setup = performance.now()
  const anvil = await startAnvil({})
  try {
    const network = await createNetwork(
      anvil.rpcUrl,
      2,
      Array.from({ length: GAS_OPERATORS }, () => ({ quorums: [0, 1], shares: parseEther('100') })),
    )
    const setupMs = performance.now() - setup
    const indicesMs: number[] = []
    const reader: AggregationChainReader = {
      ...network.reader,
      async checkSignaturesIndices(...args) {
        const start = performance.now()
        try {
          return await network.reader.checkSignaturesIndices(...args)
        } finally {
          indicesMs.push(performance.now() - start)
        }
      },
    }
    const service = createAggregationService({ reader, repository, logger })
    const rows: GasRow[] = []
    for (const quorums of [[0], [0, 1]] as const) {
      for (const nonSigners of GAS_NON_SIGNERS) {
        const task = await network.createTask(quorums, 50, `gas ${quorums.join()} ${nonSigners}`)
        const taskIndex = BigInt(task.taskIndex)
        const certified = certifiedOnce(service, taskIndex)
        await service.initializeTask({
          taskIndex,
          referenceBlock: BigInt(task.task.taskCreatedBlock),
          quorumNumbers: quorums,
          thresholdPercentages: 50,
          expiresAt: Date.now() + 60_000,
        })
        const hash = hashToG1Mcl(task.digest)
        const results = await Promise.all(
          network.operators.slice(nonSigners).map((operator) =>
            service.processSignedResponse({
              taskIndex,
              digest: task.digest,
              signature: g1FromMcl(signHashMcl(blsPrivateKeyToMcl(operator.bls.privateKey), hash)),
              operatorId: operator.bls.operatorId,
              response: task.response,
            }),
          ),
        )
        if (results.some((r) => r.status !== 'accepted')) throw new Error(`rejected: ${JSON.stringify(results)}`)
        const { event } = await certified
        if (event.nonSigners.length !== nonSigners) throw new Error(`expected ${nonSigners} non-signers`)
        const receipt = await send(network, network.owner, {
          address: network.contracts.taskManager,
          abi: taskManagerAbi,
          functionName: 'respondToTask',
          args: [task.task, task.response, event.certificate],
        })
        rows.push({ quorums, nonSigners, gasUsed: receipt.gasUsed, indicesMs: indicesMs.at(-1) ?? Number.NaN })
      }
    }
    await service.stop()
    return { rows, setupMs }
  } finally {
    await anvil.stop()
  }
}

if (process.env.VITEST) {
  const { bench } = await import('vitest')
  // One full run as a single entry; the figures are the ones main() prints (vitest's table times the whole run).
  bench('BLS aggregation: 1000 operators, one digest, against verify-each (one full run)', main, {
    iterations: 1,
    time: 0,
    warmupIterations: 0,
    warmupTime: 0,
  })
} else {
  await main()
}
