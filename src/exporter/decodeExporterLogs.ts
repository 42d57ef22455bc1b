/**
 * Decodes the logs the exporter follows into `ExporterEvent`s: NetworkRegistry's operator and validator events
 * with decoders specialised to each event (the backfill's hot path), and TaskManager's TaskResponded, completed
 * with the certificate and signers read from the chain (a few per task, not per log).
 */
import { type AbiEvent, type Address, getAddress, type Hex } from 'viem'
import { networkRegistryAbi, taskManagerAbi } from '../chain/artifacts/index.js'
import type { ChainClient } from '../chain/clients.js'
import { createEventDecoder, type LogRecord } from '../chain/logSync/index.js'
import type { EventLocation, ExporterEvent } from '../store/index.js'
import { readDecidedTask, type TaskRespondedArgs } from './readDecidedTask.js'

export type ExporterContracts = {
  /** The NetworkRegistry whose operators and validators are indexed. */
  registry?: Address | undefined
  /** The TaskManager whose certified responses are indexed as decided messages. */
  taskManager?: Address | undefined
  /** The task manager's registry coordinator (signers at the reference block); needed with `taskManager`. */
  registryCoordinator?: Address | undefined
}

export type ExporterLogDecoder = {
  /** The filter to sync: the contracts and the selectors of the events decoded. */
  readonly addresses: Address[]
  readonly topic0s: Hex[]
  decode(logs: readonly LogRecord[]): Promise<ExporterEvent[]>
}

function abiEvent<const abi extends readonly unknown[], const name extends string>(abi: abi, name: name) {
  const event = abi.find((item) => (item as AbiEvent).type === 'event' && (item as AbiEvent).name === name) as Extract<
    abi[number],
    { type: 'event'; name: name }
  >
  if (!event) throw new Error(`event ${name} is missing from the ABI`)
  return event
}

const operatorAdded = createEventDecoder(abiEvent(networkRegistryAbi, 'OperatorAdded'))
const operatorRemoved = createEventDecoder(abiEvent(networkRegistryAbi, 'OperatorRemoved'))
const validatorAdded = createEventDecoder(abiEvent(networkRegistryAbi, 'ValidatorAdded'))
const validatorRemoved = createEventDecoder(abiEvent(networkRegistryAbi, 'ValidatorRemoved'))
const taskResponded = createEventDecoder(abiEvent(taskManagerAbi, 'TaskResponded'))

/** A log is its own location (block, block hash, transaction, log index): no copy per event. */
const locationOf = (log: LogRecord): EventLocation => log

/** Registry events need nothing but the log: one synchronous pass. */
function decodeRegistryLog(log: LogRecord, selector: Hex | undefined): ExporterEvent | undefined {
  switch (selector) {
    case operatorAdded.topic0: {
      const args = operatorAdded.decode(log)
      return { type: 'OperatorAdded', ...args, location: locationOf(log) }
    }
    case operatorRemoved.topic0:
      return { type: 'OperatorRemoved', operatorId: operatorRemoved.decode(log).operatorId, location: locationOf(log) }
    case validatorAdded.topic0: {
      const { owner, operatorIds, publicKey } = validatorAdded.decode(log)
      return { type: 'ValidatorAdded', owner, operatorIds, publicKey, location: locationOf(log) }
    }
    case validatorRemoved.topic0: {
      const { owner, operatorIds, publicKey } = validatorRemoved.decode(log)
      return { type: 'ValidatorRemoved', owner, operatorIds, publicKey, location: locationOf(log) }
    }
    default:
      return undefined
  }
}

/**
 * @example
 * const decoder = createExporterLogDecoder({ client, contracts: { registry, taskManager, registryCoordinator } })
 * startLogSync({ filter: { addresses: decoder.addresses, topic0s: decoder.topic0s }, … })
 */
export function createExporterLogDecoder(parameters: {
  client: ChainClient
  contracts: ExporterContracts
}): ExporterLogDecoder {
  const { client } = parameters
  const registry = parameters.contracts.registry && getAddress(parameters.contracts.registry)
  const taskManager = parameters.contracts.taskManager && getAddress(parameters.contracts.taskManager)
  const registryCoordinator = parameters.contracts.registryCoordinator
  if (taskManager && !registryCoordinator) throw new Error('decoding task responses needs the registry coordinator')
  // Compared per log: lowercase strings, not viem's isAddressEqual (which validates both sides every time).
  const registryKey = registry?.toLowerCase()
  const taskManagerKey = taskManager?.toLowerCase()
  const addresses = [registry, taskManager].filter((address): address is Address => address !== undefined)
  const topic0s = [
    ...(registry ? [operatorAdded, operatorRemoved, validatorAdded, validatorRemoved] : []),
    ...(taskManager ? [taskResponded] : []),
  ].map((decoder) => decoder.topic0 as Hex)

  return {
    addresses,
    topic0s,
    async decode(logs) {
      const events: (ExporterEvent | Promise<ExporterEvent>)[] = []
      for (const log of logs) {
        const selector = log.topics[0]
        const address = log.address.toLowerCase()
        if (address === registryKey) {
          const event = decodeRegistryLog(log, selector)
          if (event) events.push(event)
        } else if (taskManager && selector === taskResponded.topic0 && address === taskManagerKey) {
          const args = taskResponded.decode(log) as unknown as TaskRespondedArgs
          events.push(
            readDecidedTask({
              client,
              taskManager,
              registryCoordinator: registryCoordinator as Address,
              args,
              location: locationOf(log),
            }),
          )
        }
      }
      return Promise.all(events)
    },
  }
}
