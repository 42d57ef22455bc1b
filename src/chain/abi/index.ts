export { operatorStateRetrieverAbi } from './operatorStateRetriever.js'
export { operatorStatus, type OperatorStatus, registryCoordinatorAbi } from './registryCoordinator.js'
export { avsDirectoryAbi, serviceManagerAbi } from './serviceManager.js'
export { stakeRegistryAbi } from './stakeRegistry.js'
