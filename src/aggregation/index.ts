/** Public surface of aggregation/: the BLS aggregation service and its chain reader. */
export {
  type AggregationEvents,
  type AggregationService,
  type AggregationServiceParameters,
  createAggregationService,
  type TaskStatusView,
} from './aggregationService.js'
export { type BuiltCertificate, sortOperatorIds } from './certificate.js'
export { type AggregationChainReader, type CreateChainReaderParameters, createChainReader } from './chainReader.js'
export { reviveCertificate } from './taskAggregator.js'
export {
  type Certificate,
  type OperatorSetSnapshot,
  type ProcessResult,
  type QuorumStake,
  type RejectionCode,
  rejectionCodes,
  type SignedResponse,
  type TaskCertified,
  type TaskExpired,
  type TaskOperator,
  type TaskParameters,
} from './types.js'
