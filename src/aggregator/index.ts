/** Public surface of aggregator/: the aggregator process that hosts the pool (and task aggregation). */
export {
  type Aggregator,
  type AggregatorComponent,
  type AggregatorComponentStarter,
  type AggregatorContext,
  type StartAggregatorParameters,
  startAggregator,
} from './startAggregator.js'
