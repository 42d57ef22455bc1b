/**
 * The one object every service receives (after ponder's `Common`): resolved options, a logger, the metrics
 * catalogue and the process shutdown. Built once by the command that starts a service.
 */
import type { Shutdown } from './lifecycle.js'
import type { Logger } from './logger.js'
import type { Metrics } from './metrics.js'

export type Common = {
  logger: Logger
  metrics: Metrics
  shutdown: Shutdown
}
