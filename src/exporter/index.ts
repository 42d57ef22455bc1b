/** Public surface of exporter/: the exporter process and its parts. */
export { createExporterLogDecoder, type ExporterContracts, type ExporterLogDecoder } from './decodeExporterLogs.js'
export type { EventLocation, ExporterEvent, TaskCertificate } from './events.js'
export { ExporterContractsMismatchError, exporterSyncName, startExporterWriter } from './exporterWriter.js'
export { assertSomethingToIndex, type Exporter, type StartExporterParameters, startExporter } from './startExporter.js'
