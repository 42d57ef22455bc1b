import fc from 'fast-check'
import type { Hex } from 'viem'
import { describe, expect, test } from 'vitest'
import { type ConsensusEntry, encodeConsensusEntry } from './consensusEntries.js'
import { ConsensusState, type ConsensusStateEvent, encodeMemberContext } from './consensusState.js'

const task = {
  referenceBlock: 10n,
  quorumNumbers: [0],
  thresholdPercentages: [67],
  expiresAt: 1_000_000,
  expiryBlock: null,
  collectionWindowMs: 0,
}
const id = (n: number) => `0x${n.toString(16).padStart(64, '0')}` as Hex
const signature = { x: '1', y: '2' }

const taskEntry = (taskIndex: bigint, request: unknown = { taskIndex }): ConsensusEntry => ({
  kind: 'task',
  taskIndex,
  request,
  task,
  at: 100,
})
const signaturesEntry = (rows: [bigint, number][]): ConsensusEntry => ({
  kind: 'signatures',
  rows: rows.map(([taskIndex, operator]) => ({
    taskIndex,
    operatorId: id(operator),
    digest: id(0xd),
    signature,
    response: { ok: true },
  })),
  at: 200,
})
const certified = (taskIndex: bigint): ConsensusEntry => ({
  kind: 'certified',
  taskIndex,
  digest: id(0xd),
  certificate: { signers: [id(1)] },
  at: 300,
})
const submitted = (taskIndex: bigint): ConsensusEntry => ({
  kind: 'submitted',
  taskIndex,
  submission: { alreadyResponded: true },
  at: 400,
})

/** Applies entries at consecutive log indexes from `first`. */
function applyAll(state: ConsensusState, entries: readonly ConsensusEntry[], first = 1) {
  state.apply(entries.map((entry, i) => ({ index: first + i, term: 1, data: encodeConsensusEntry(entry) })))
}

function snapshotOf(state: ConsensusState) {
  return {
    metadata: { index: state.appliedIndex, term: 1, confState: { voters: [], learners: [] } },
    data: state.snapshot(),
  }
}

describe('ConsensusState', () => {
  test('takes a task once and counts each operator’s signature once, while the task is pending', () => {
    const events: ConsensusStateEvent[] = []
    const state = new ConsensusState({ onEvent: (e) => events.push(e) })
    applyAll(state, [
      taskEntry(7n),
      taskEntry(7n, { forged: true }),
      signaturesEntry([
        [7n, 1],
        [7n, 2],
      ]),
      signaturesEntry([
        [7n, 2],
        [7n, 3],
        [8n, 1],
      ]),
      certified(7n),
      signaturesEntry([[7n, 4]]),
    ])
    const record = state.tasks.get(7n)
    expect(record?.request).toEqual({ taskIndex: 7n })
    expect([...(record?.signatures.keys() ?? [])]).toEqual([id(1), id(2), id(3)])
    expect(record?.signatures.get(id(2))?.entryIndex).toBe(3)
    expect(record?.signatures.get(id(3))?.entryIndex).toBe(4)
    expect(record?.status).toBe('certified')
    expect(events.map((e) => e.kind)).toEqual(['task', 'signatures', 'signatures', 'finished'])
    expect(state.unsubmittedTasks().map((t) => t.taskIndex)).toEqual([7n])
  })

  test('applies an outcome to a pending task only, and a submission once to a certified task only', () => {
    const state = new ConsensusState()
    applyAll(state, [
      taskEntry(1n),
      submitted(1n),
      { kind: 'expired', taskIndex: 1n, outcome: 'expiry time reached', at: 5 },
      certified(1n),
      taskEntry(2n),
      certified(2n),
      submitted(2n),
      { kind: 'submitted', taskIndex: 2n, submission: { failed: 'late' }, at: 6 },
    ])
    expect(state.tasks.get(1n)).toMatchObject({ status: 'expired', outcome: 'expiry time reached', submission: null })
    expect(state.tasks.get(2n)).toMatchObject({ status: 'certified', submission: { alreadyResponded: true } })
    expect(state.pendingTasks()).toEqual([])
    expect(state.unsubmittedTasks()).toEqual([])
  })

  test('skips an entry that does not decode, the same way on every member', () => {
    const invalid: string[] = []
    const state = new ConsensusState({ onInvalidEntry: (_i, reason) => invalid.push(reason) })
    state.apply([
      { index: 1, term: 1, data: new TextEncoder().encode('{"kind":"task","taskIndex":"1"}') },
      { index: 2, term: 1, data: new Uint8Array([0xff, 0xfe]) },
      { index: 3, term: 1, data: encodeConsensusEntry(taskEntry(3n)) },
    ])
    expect(state.invalidEntries).toBe(2)
    expect(invalid).toHaveLength(2)
    expect([...state.tasks.keys()]).toEqual([3n])
    expect(state.appliedIndex).toBe(3)
  })

  test('prunes the oldest finished tasks beyond the retention and refuses them as new', () => {
    const state = new ConsensusState({ retainFinishedTasks: 2 })
    for (let i = 0n; i < 4n; i++) applyAll(state, [taskEntry(i), certified(i), submitted(i)], Number(i) * 3 + 1)
    applyAll(state, [taskEntry(4n)], 20)
    expect([...state.tasks.keys()]).toEqual([2n, 3n, 4n])
    expect(state.prunedThrough).toBe(1n)
    expect(state.isNewTask(0n)).toBe(false)
    expect(state.isNewTask(5n)).toBe(true)
    applyAll(state, [taskEntry(1n)], 21)
    expect(state.tasks.has(1n)).toBe(false)
  })

  test('keeps the member directory from membership changes, and in snapshots', () => {
    const state = new ConsensusState()
    const context = encodeMemberContext({ raftAddress: '127.0.0.1:7100', httpUrl: 'http://127.0.0.1:7101' })
    state.applyConfChange({ type: 'addLearner', nodeId: 'a', context })
    state.applyConfChange({ type: 'addVoter', nodeId: 'a', context })
    state.applyConfChange({ type: 'addVoter', nodeId: 'b', context: new Uint8Array() })
    expect(state.members.get('a')).toEqual({ raftAddress: '127.0.0.1:7100', httpUrl: 'http://127.0.0.1:7101' })
    expect(state.members.has('b')).toBe(false)
    const copy = new ConsensusState()
    copy.restore(snapshotOf(state))
    expect(copy.members).toEqual(state.members)
    state.applyConfChange({ type: 'removeNode', nodeId: 'a', context: new Uint8Array() })
    expect(state.members.size).toBe(0)
  })

  test('a member restored from a snapshot then fed the same entries ends byte-identical (property)', () => {
    const entryArbitrary = fc.oneof(
      fc.bigInt({ min: 0n, max: 6n }).map((i) => taskEntry(i)),
      fc
        .array(fc.tuple(fc.bigInt({ min: 0n, max: 6n }), fc.integer({ min: 1, max: 5 })), {
          minLength: 1,
          maxLength: 4,
        })
        .map((rows) => signaturesEntry(rows)),
      fc.bigInt({ min: 0n, max: 6n }).map(certified),
      fc.bigInt({ min: 0n, max: 6n }).map(submitted),
      fc
        .bigInt({ min: 0n, max: 6n })
        .map((i): ConsensusEntry => ({ kind: 'expired', taskIndex: i, outcome: 'late', at: 9 })),
      fc.string({ maxLength: 8 }).map((v): ConsensusEntry => ({ kind: 'meta', key: 'k', value: v, at: 1 })),
    )
    fc.assert(
      fc.property(fc.array(entryArbitrary, { maxLength: 40 }), fc.nat(40), (entries, cut) => {
        const split = Math.min(cut, entries.length)
        const original = new ConsensusState({ retainFinishedTasks: 3 })
        applyAll(original, entries.slice(0, split))
        const restored = new ConsensusState({ retainFinishedTasks: 3 })
        restored.restore(snapshotOf(original))
        applyAll(original, entries.slice(split), split + 1)
        applyAll(restored, entries.slice(split), split + 1)
        expect(Buffer.from(restored.snapshot()).toString()).toBe(Buffer.from(original.snapshot()).toString())
      }),
      { seed: 5, numRuns: 200 },
    )
  })
})
