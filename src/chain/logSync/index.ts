/**
 * Log sync: backfill and follow the logs of a filter into a `LogSyncTarget`, with adaptive `eth_getLogs` ranges,
 * reorganisation handling, and decoders specialised to the indexed events. Shared by the exporter and
 * event-triggered jobs; knows nothing of either.
 */
export type { AbiValueReaderOptions } from './abiValueReader.js'
export { UnsupportedAbiTypeError } from './abiValueReader.js'
export type { CreateEventDecoderOptions, EventArgs, EventDecoder } from './eventDecoder.js'
export { createEventDecoder, LogDecodeError, UnsupportedEventError } from './eventDecoder.js'
export { ChainMovedError } from './fetchLogBatch.js'
export type { JsonRpcCall, JsonRpcClient } from './jsonRpcClient.js'
export { createJsonRpcClient } from './jsonRpcClient.js'
export type { LogRangePolicy, LogRangePolicyParameters } from './logRangePolicy.js'
export { createLogRangePolicy } from './logRangePolicy.js'
export type { LogRangeRefusal } from './logRangeRefusal.js'
export { classifyLogRangeRefusal } from './logRangeRefusal.js'
export { rpcGetBlockHeader, rpcGetBlockHeaders, rpcGetBlockNumber } from './rpcBlocks.js'
export {
  InvalidRpcResponseError,
  RpcHttpError,
  RpcResponseError,
  RpcResponseTooLargeError,
} from './rpcErrors.js'
export type { LogFilter } from './rpcGetLogs.js'
export { rpcGetLogs } from './rpcGetLogs.js'
export type { LogSync } from './startLogSync.js'
export { startLogSync } from './startLogSync.js'
export { syncLogs } from './syncLogs.js'
export type { LogSyncStatus, SyncLogsParameters } from './syncLogsParameters.js'
export { topic0 } from './topic0.js'
export type { BlockRef, LogBatch, LogRecord, LogSyncTarget } from './types.js'
