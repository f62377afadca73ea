export { createKafka } from './client.js';
export { kafkaEnv, type KafkaConfig } from './config.js';
export { describeTopicConfigs, ensureTopic, TopicMismatchError, type TopicSpec } from './topics.js';
export {
  PartitionConsumer,
  type ApplyResult,
  type Halt,
  type PartitionBatch,
  type PartitionConsumerEvent,
  type PartitionConsumerOptions,
  type PartitionLag,
  type PartitionStore,
} from './partition-consumer.js';
export { TopicFollower, type PartitionOffset, type TopicFollowerOptions } from './follower.js';
export {
  PartitionProcessor,
  type BatchOutput,
  type PartitionProcessorOptions,
} from './partition-processor.js';
export { RangeReader, type RangeBatchHandler, type RangeReaderOptions } from './range-reader.js';
export { withTimeout } from './partition-processor.js';
