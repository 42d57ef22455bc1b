/** Public surface of exporter/: the exporter process and its parts. */

export type { EventLocation, ExporterEvent, TaskCertificate } from '../store/index.js'
export { createExporterLogDecoder, type ExporterContracts, type ExporterLogDecoder } from './decodeExporterLogs.js'
export { ExporterContractsMismatchError, exporterSyncName, startExporterWriter } from './exporterWriter.js'
export { assertSomethingToIndex, type Exporter, type StartExporterParameters, startExporter } from './startExporter.js'
