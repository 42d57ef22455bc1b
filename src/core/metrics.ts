/**
 * The metrics catalogue: every Prometheus metric avskit exports is declared here, once, with its labels and a
 * unit suffix in its name. Each process builds one catalogue on its own registry (never prom-client's global
 * one), so several services in one process (the devnet) or in one test never collide.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'

export type Metrics = ReturnType<typeof createMetrics>

export function createMetrics(parameters: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry()
  if (parameters.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'avskit_' })
  const registers = [registry]

  return {
    registry,
    chain: {
      rpcRequestsTotal: new Counter({
        name: 'avskit_rpc_requests_total',
        help: 'JSON-RPC requests sent to the Ethereum node, by method and outcome',
        labelNames: ['method', 'status'] as const,
        registers,
      }),
      transactionsTotal: new Counter({
        name: 'avskit_transactions_total',
        help: 'Transactions sent, by function and outcome (success, reverted, failed)',
        labelNames: ['function', 'status'] as const,
        registers,
      }),
      transactionConfirmationSeconds: new Histogram({
        name: 'avskit_transaction_confirmation_seconds',
        help: 'Time from sending a transaction to its receipt',
        labelNames: ['function'] as const,
        buckets: [0.1, 0.5, 1, 2, 5, 12, 30, 60, 120],
        registers,
      }),
      transactionGasUsed: new Histogram({
        name: 'avskit_transaction_gas_used',
        help: 'Gas used by confirmed transactions',
        labelNames: ['function'] as const,
        buckets: [21_000, 50_000, 100_000, 250_000, 500_000, 1_000_000, 3_000_000, 10_000_000],
        registers,
      }),
    },
    service: {
      up: new Gauge({
        name: 'avskit_service_up',
        help: '1 while a service is started, 0 once stopped',
        labelNames: ['service'] as const,
        registers,
      }),
    },
  }
}
