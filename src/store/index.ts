/** Public surface of store/: open the database (PGlite or PostgreSQL), advisory locks, repositories. */
export { advisoryLockKey, migrationLockKey } from './advisoryLockKey.js'
export {
  type AggregationEquivocationRow,
  type AggregationRepository,
  type AggregationSignatureRow,
  type AggregationTaskRow,
  type AggregationTaskStatus,
  createAggregationRepository,
  type NewAggregationTaskRow,
  signatureKey,
} from './aggregationRepository.js'
export {
  type ApplyExporterEventsReturnType,
  type ExporterCounters,
  type ExporterWritePlan,
  planExporterEventsAhead,
} from './applyExporterEvents.js'
export type {
  Database,
  DatabaseKind,
  DatabaseNotification,
  DatabaseSchema,
  DrizzleDatabase,
  DrizzleExecutor,
  DrizzleTransaction,
  QueryResult,
  StoreLogger,
} from './database.js'
export {
  DatabaseConnectionError,
  DatabaseInUseError,
  DatabaseMigrationError,
  describePostgresUrl,
} from './databaseErrors.js'
export type { EventLocation, ExporterEvent, TaskCertificate } from './exporterEvents.js'
export {
  checksumAddress,
  type DecidedMessage,
  decidedEnvelope,
  decidedMessage,
  decidedRole,
  type ExporterDecidedRow,
  type ExporterMessageType,
  type ExporterOperatorRow,
  type ExporterValidatorRow,
  type OperatorMessage,
  operatorEnvelope,
  operatorMessage,
  type RetractedItem,
  type StreamEnvelope,
  type ValidatorMessage,
  validatorEnvelope,
  validatorMessage,
} from './exporterMessages.js'
export {
  createExporterRepository,
  defaultKeptSyncBlocks,
  type ExporterRepository,
  type ExporterStreamRow,
  type ExporterSyncBlock,
  type ReadExporterStreamParameters,
} from './exporterRepository.js'
export { exporterStreamChannel } from './exporterStreamOutbox.js'
export { ExporterWriteError } from './exporterWriteError.js'
export { assertFencingToken, FencedWriterError, takeFencingToken } from './fencingToken.js'
export { createKvRepository, type KvEntry, type KvRepository } from './kvRepository.js'
export { migrationsFolder, migrationsSchema, migrationsTable } from './migrateDatabase.js'
export { type OpenDatabaseErrorType, type OpenDatabaseParameters, openDatabase } from './openDatabase.js'
export { pipelined } from './pipelined.js'
export {
  createPoolRepository,
  type MarkTransitionParameters,
  type PoolAlertKind,
  type PoolAlertOperator,
  type PoolAlertRow,
  type PoolCheckinWrite,
  type PoolOperatorRow,
  type PoolRepository,
} from './poolRepository.js'
export type { RollbackExporterReturnType } from './rollbackExporter.js'
export * as schema from './schema/index.js'
