/** Public surface of stakesync/: avs-sync's job (keep every quorum's stakes current on chain), diff-aware. */
export { chunkOperatorsByGas, type GasChunk, OperatorOverGasCapError } from './chunkOperatorsByGas.js'
export {
  decideQuorumUpdate,
  type QuorumUpdateDecision,
  type QuorumUpdateReason,
  type StakeSyncPolicy,
} from './decideQuorumUpdate.js'
export { formatSyncReport } from './formatSyncReport.js'
export { readOperatorStakes, type SubsetOperatorStakes } from './readOperatorStakes.js'
export {
  changedOperators,
  compareAddresses,
  getStakeRegistry,
  type OperatorStake,
  type QuorumStakes,
  readQuorumStakes,
} from './readQuorumStakes.js'
export { SubmitterLockLostError } from './sendWithRetries.js'
export { type CreateStakeSyncParameters, createStakeSync, type StakeSync } from './stakeSync.js'
export type { StakeSyncHooks } from './stakeSyncContext.js'
export { createStalenessAlerts, type QuorumStaleness, type StalenessAlertPayload } from './stalenessAlerts.js'
export {
  createDatabaseSubmitterLock,
  createStoreSubmitterLock,
  type StoreSubmitterLock,
  type SubmitterLock,
  stakeSyncLockName,
} from './submitterLock.js'
export type { QuorumReport, StakeChange, SyncRoundReport, UpdateReport } from './syncReport.js'
export {
  nextSlot,
  nextTimeOfDay,
  parseTimeOfDay,
  type RunStakeSyncScheduleParameters,
  runStakeSyncSchedule,
} from './syncSchedule.js'
