import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { decodeConfChange, encodeConfChange } from '../confChange.js'
import { MemoryStorage } from '../storage/memoryStorage.js'
import type { Entry } from '../types.js'
import { Inflights } from './inflights.js'
import { RaftLog } from './raftLog.js'
import { ProgressTracker } from './tracker.js'

describe('Inflights', () => {
  test('behaves like a bounded FIFO of increasing indices', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.array(fc.oneof(fc.constant<'add'>('add'), fc.integer({ min: 0, max: 60 }), fc.constant<'first'>('first'))),
        (capacity, ops) => {
          const inflights = new Inflights(capacity)
          let model: number[] = []
          let next = 1
          for (const op of ops) {
            if (op === 'add') {
              if (model.length === capacity) continue
              inflights.add(next)
              model.push(next++)
            } else if (op === 'first') {
              inflights.freeFirstOne()
              model = model.slice(1)
            } else {
              inflights.freeLE(op)
              model = model.filter((i) => i > op)
            }
            expect(inflights.count).toBe(model.length)
            expect(inflights.full()).toBe(model.length === capacity)
          }
        },
      ),
    )
  })
})

describe('ProgressTracker.committedIndex', () => {
  test('is the largest index that a majority of voters has matched', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(100), { minLength: 1, maxLength: 9 }), (matches) => {
        const tracker = new ProgressTracker(4)
        const voters = matches.map((_, i) => String(i))
        tracker.setConfig({ voters, learners: ['learner'] }, 1)
        matches.forEach((m, i) => {
          const pr = tracker.progress.get(String(i))
          if (pr) pr.match = m
        })
        const learner = tracker.progress.get('learner')
        if (learner) learner.match = 1000
        const majority = Math.floor(matches.length / 2) + 1
        const naive = Math.max(...[0, ...matches].filter((c) => matches.filter((m) => m >= c).length >= majority))
        expect(tracker.committedIndex()).toBe(naive)
      }),
    )
  })
})

describe('RaftLog', () => {
  // Appending batches at arbitrary points (a leader overwriting an uncommitted suffix) and persisting some of them
  // keeps the log equal to a plain array with the same truncate-and-append rule.
  test('matches an array model under append, truncation and partial persistence', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ back: fc.nat(5), count: fc.integer({ min: 1, max: 4 }), persist: fc.boolean() }), {
          maxLength: 40,
        }),
        (steps) => {
          const storage = new MemoryStorage()
          const log = new RaftLog(storage, Number.POSITIVE_INFINITY)
          let model: Entry[] = []
          let term = 1
          for (const step of steps) {
            term++
            const start = Math.max(1, model.length + 1 - step.back)
            const entries: Entry[] = Array.from({ length: step.count }, (_, i) => ({
              term,
              index: start + i,
              type: 'normal',
              data: new Uint8Array([term]),
            }))
            log.append(entries)
            model = [...model.slice(0, start - 1), ...entries]
            if (step.persist) {
              const unstable = [...log.unstableEntries()]
              storage.append(unstable)
              const last = unstable.at(-1)
              if (last) log.stableTo(last.index, last.term)
            }
            expect(log.lastIndex()).toBe(model.length)
            const all = model.length === 0 ? [] : log.slice(1, model.length + 1, Number.POSITIVE_INFINITY)
            expect(all.map((e) => [e.index, e.term])).toEqual(model.map((e) => [e.index, e.term]))
          }
        },
      ),
    )
  })
})

describe('ConfChange codec', () => {
  test('round-trips every change', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('addVoter' as const, 'addLearner' as const, 'removeNode' as const),
        fc.string({ minLength: 1, maxLength: 40 }),
        fc.uint8Array({ maxLength: 64 }),
        (type, nodeId, context) => {
          expect(decodeConfChange(encodeConfChange({ type, nodeId, context }))).toEqual({ type, nodeId, context })
        },
      ),
    )
  })

  test('rejects garbage with a clear error', () => {
    expect(() => decodeConfChange(new Uint8Array([9, 0, 1, 65]))).toThrow(/invalid conf change entry/)
  })
})
