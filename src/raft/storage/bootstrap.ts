/**
 * Bootstrapping a new cluster the way etcd-io/raft does: the initial configuration is written into the log as
 * committed conf-change entries of term 1 (one `addVoter` or `addLearner` per member), identical on every founding
 * member. Because the configuration is in the log, a server that joins later learns it like any other entry (or
 * from a snapshot), and restarts rebuild it by applying the log.
 */
import { InvalidInputError } from '../../core/errors.js'
import { encodeConfChange } from '../confChange.js'
import type { ConfState, Entry, HardState, NodeId } from '../types.js'

export type BootstrapMember = {
  id: NodeId
  /** Opaque member data carried in the conf change (for example the member's address). */
  context?: Uint8Array | undefined
  learner?: boolean | undefined
}

/** The entries and hard state every founding member starts from. Members are sorted so all agree byte for byte. */
export function bootstrapEntries(members: readonly BootstrapMember[]): { entries: Entry[]; hardState: HardState } {
  if (!members.some((m) => !m.learner)) throw new InvalidInputError('cannot bootstrap a cluster without a voter')
  const ids = new Set(members.map((m) => m.id))
  if (ids.size !== members.length) throw new InvalidInputError('cannot bootstrap a cluster: duplicate member ids')
  const sorted = [...members].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  const entries: Entry[] = sorted.map((m, i) => ({
    term: 1,
    index: i + 1,
    type: 'confChange',
    data: encodeConfChange({
      type: m.learner ? 'addLearner' : 'addVoter',
      nodeId: m.id,
      context: m.context ?? new Uint8Array(),
    }),
  }))
  return { entries, hardState: { term: 1, vote: '', commit: entries.length } }
}

/** Bootstrap members for a plain configuration. */
export function membersOf(conf: ConfState): BootstrapMember[] {
  return [...conf.voters.map((id) => ({ id })), ...conf.learners.map((id) => ({ id, learner: true }))]
}
