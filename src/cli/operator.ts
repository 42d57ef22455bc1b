/**
 * `avskit operator`: the operator's node. Today it checks in with the aggregator's pool every --ping-interval, signed
 * with the operator's ECDSA key, reporting its version, the block it has processed and the AVS events it has seen
 * (when --eth-http-url is given), and the port of its own /metrics; it serves /metrics, /health and /ready on
 * --metrics-addr. With --raft-dir it is also a member of its AVS's task-consensus cluster (operatorRaft.ts).
 */
import { isIP } from 'node:net'
import type { Command } from 'commander'
import type { Address } from 'viem'
import { z } from 'zod'
import { createChainClient } from '../chain/clients.js'
import { defineOptions } from '../core/config.js'
import { createHttpService } from '../core/httpService.js'
import { createShutdown } from '../core/lifecycle.js'
import { createMetrics } from '../core/metrics.js'
import { packageVersion } from '../core/packageVersion.js'
import { type ChainProgress, type CheckinPinger, createChainProgress, createCheckinPinger } from '../pool/index.js'
import { addCommand } from './command.js'
import { addressSchema, ethHttpUrlOption } from './commonOptions.js'
import { ecdsaKeystoreOptions, openEcdsaKeystore } from './keyOptions.js'
import { raftOperatorOptions, startRaftOperator } from './operatorRaft.js'
import { hostPortSchema, pingIntervalOption } from './poolOptions.js'

const options = defineOptions({
  aggregatorAddr: {
    flag: 'aggregator-addr',
    argument: '<host:port>',
    description: "the aggregator's gRPC address",
    schema: hostPortSchema,
    default: '127.0.0.1:2206',
  },
  ...ecdsaKeystoreOptions,
  ...pingIntervalOption,
  ...ethHttpUrlOption,
  registryCoordinator: {
    flag: 'registry-coordinator-addr',
    argument: '<address>',
    description: "count this RegistryCoordinator's events as processed (needs --eth-http-url)",
    schema: addressSchema,
  },
  metricsAddr: {
    flag: 'metrics-addr',
    argument: '<host:port>',
    description: 'HTTP for /metrics, /health, /ready; its port is reported in check-ins',
    schema: hostPortSchema,
    default: '127.0.0.1:9090',
  },
  publicIp: {
    flag: 'public-ip',
    argument: '<ip>',
    description: 'the public IP to report (the aggregator also records the address it sees)',
    schema: z.string().refine((v) => isIP(v) !== 0, { message: 'expected an IPv4 or IPv6 address' }),
  },
  ...raftOperatorOptions,
})

export function registerOperatorCommand(program: Command): void {
  addCommand(program, {
    name: 'operator',
    description: "run an operator node: signed check-ins with the aggregator's pool, /metrics",
    options,
    async run({ options, logger }) {
      const keystore = await openEcdsaKeystore(options)
      const shutdown = createShutdown({ logger, handleSignals: true })
      const metrics = createMetrics()
      const raft = await startRaftOperator({ options, privateKey: keystore.privateKey, logger, metrics, shutdown })
      let progress: ChainProgress | undefined
      let chainId: number | undefined
      if (options.ethHttpUrl) {
        const client = await createChainClient({ url: options.ethHttpUrl })
        chainId = client.chain.id
        const addresses: Address[] = options.registryCoordinator ? [options.registryCoordinator] : []
        progress = createChainProgress({ client, addresses, logger })
      }
      let pinger: CheckinPinger | undefined
      const http = createHttpService({
        address: options.metricsAddr,
        logger,
        metrics,
        readiness: () =>
          pinger && pinger.failures === 0
            ? { ready: true }
            : { ready: false, reason: 'no accepted check-in with the aggregator yet, or check-ins are failing' },
      })
      const metricsUrl = await http.listen()
      shutdown.add('http', () => http.close())
      pinger = createCheckinPinger({
        aggregatorAddress: options.aggregatorAddr,
        privateKey: keystore.privateKey,
        version: `avskit/${packageVersion()}`,
        logger,
        metrics,
        pingIntervalMs: options.pingInterval,
        metricsPort: Number(new URL(metricsUrl).port),
        publicIp: options.publicIp,
        supportedChainIds: chainId === undefined ? [] : [chainId],
        status: progress ? () => (progress as ChainProgress).status() : undefined,
      })
      const loops = [progress?.run(shutdown.signal), pinger.run(shutdown.signal)]
      shutdown.add('pinger', async () => {
        await Promise.allSettled(loops)
      })
      logger.info(
        { operator: pinger.address, aggregator: options.aggregatorAddr, metrics: metricsUrl },
        'operator checking in',
      )
      process.stdout.write(`${JSON.stringify({ operator: pinger.address, metrics: metricsUrl, ...raft?.summary })}\n`)
      await shutdown.done
      return 0
    },
  })
}
