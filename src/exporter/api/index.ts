/** Public surface of exporter/api/: the WebSocket API service (`/query`, `/stream`) and its limits. */
export { defaultExporterApiLimits, type ExporterApiLimits, resolveExporterApiLimits } from './exporterApiLimits.js'
export { type ExporterApi, type StartExporterApiParameters, startExporterApi } from './startExporterApi.js'
