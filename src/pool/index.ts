/** Public surface of pool/: the operator pool (check-ins, liveness, alerts, dashboard) and the operator's pinger. */
export { type AlertChannel, AlertDeliveryError } from './alertChannel.js'
export { type AlertContent, formatAlert } from './alertMessage.js'
export {
  type CheckinAuthentication,
  type CheckinAuthenticator,
  createCheckinAuthenticator,
} from './authenticateCheckin.js'
export { type ChainProgress, type ChainProgressStatus, createChainProgress } from './chainProgress.js'
export { type CheckinPinger, type CreateCheckinPingerParameters, createCheckinPinger } from './checkinPinger.js'
export { CheckinRefusedError, type CheckinRule } from './checkinRefusedError.js'
export {
  type CheckinSignatureVerifier,
  type CheckinToken,
  CheckinTokenError,
  checkinDigest,
  checkinMessage,
  createCheckinSignatureVerifier,
  parseCheckinAuthorization,
  signCheckinToken,
} from './checkinToken.js'
export { type EcdsaBackend, type EcdsaBackendName, loadEcdsaBackend } from './ecdsaBackend.js'
export { escapeHtml } from './escapeHtml.js'
export { type ExplorerSites, explorerSitesFor, knownExplorerSites, operatorLinks } from './explorerLinks.js'
export {
  formatLastSeen,
  type LivenessRules,
  livenessOf,
  missedPingsForStale,
  type OperatorLiveness,
  staleAfterMs,
} from './liveness.js'
export { type OperatorView, toOperatorView } from './operatorView.js'
export type { PoolChange, PoolMonitor } from './poolMonitor.js'
export { type Registration, type RegistrationCache, RegistrationLookupError } from './registrationCache.js'
export {
  createAlertChannels,
  type PoolAlertOptions,
  type PoolService,
  type PoolServiceOptions,
  type StartPoolServiceParameters,
  startPoolService,
} from './startPoolService.js'
export { checkinLimits, InvalidCheckinError, type ValidCheckin, validateCheckin } from './validateCheckin.js'
