export { operatorStateRetrieverAbi } from './operatorStateRetriever.js'
export { type OperatorStatus, operatorStatus, registryCoordinatorAbi } from './registryCoordinator.js'
export { avsDirectoryAbi, serviceManagerAbi } from './serviceManager.js'
export { stakeRegistryAbi } from './stakeRegistry.js'
