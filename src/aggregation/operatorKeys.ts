/**
 * Operators' public keys in mcl form, converted (and checked: on curve, G2 subgroup) once per process. An
 * operator's BLS key cannot change after registration, so the cache never goes stale.
 */
import type * as mcl from 'mcl-wasm'
import type { Hex } from 'viem'
import { g1ToMcl, g2ToMcl } from '../crypto/index.js'
import type { TaskOperator } from './types.js'

export type OperatorKeys = { get(operator: TaskOperator): { g1: mcl.G1; g2: mcl.G2 } }

export function createOperatorKeys(): OperatorKeys {
  const cache = new Map<Hex, { g1: mcl.G1; g2: mcl.G2 }>()
  return {
    get(operator) {
      let keys = cache.get(operator.operatorId)
      if (!keys) {
        keys = {
          g1: g1ToMcl(operator.pubkeyG1, `pubkeyG1 of ${operator.operatorId}`),
          g2: g2ToMcl(operator.pubkeyG2, `pubkeyG2 of ${operator.operatorId}`),
        }
        cache.set(operator.operatorId, keys)
      }
      return keys
    },
  }
}
