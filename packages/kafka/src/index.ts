export { aclEntries, applyGrants, type Grant } from './acls.js';
export { createKafka, kafkaFromEnv, partitionFor, type KafkaClientOptions } from './client.js';
export { kafkaConnection, kafkaEnv, type KafkaConfig, type KafkaConnection } from './config.js';
export { isPoison, isRetriable, PoisonRecordError, TallyError } from './errors.js';
export { describeTopicConfigs, ensureTopic, TopicMismatchError, type TopicSpec } from './topics.js';
export { CommitGroup } from './commit-group.js';
export { consumerMetrics, type ConsumerMetrics } from './metrics.js';
export { plainRecordScopes, type RecordScopes } from './tracing.js';
export type {
  GroupMember,
  KafkaAdmin,
  KafkaClient,
  KafkaProducer,
  KafkaRecord,
  OutgoingHeaders,
  OutgoingRecord,
  PartitionLeaders,
  PartitionOffsets,
  RecordHeaders,
  RecordMetadata,
  TopicRecords,
  TraceContext,
} from './types.js';
export {
  PartitionConsumer,
  type ApplyResult,
  type Halt,
  type HandedOver,
  type PartitionBatch,
  type PartitionConsumerEvent,
  type PartitionConsumerOptions,
  type PartitionLag,
  type PartitionStore,
} from './partition-consumer.js';
export {
  ReadModelService,
  type ReadModelEvent,
  type ReadModelOptions,
  type ReadModelSource,
  type TopicHalt,
  type TopicLag,
} from './read-model.js';
export {
  anchorTable,
  anchorsOfRows,
  checkAnchor,
  findAnchor,
  type AnchorCheck,
  type AnchorRow,
  type AnchorTable,
  type OffsetAtTimestamp,
  type TopicAnchor,
  type TopicAnchorStore,
} from './topic-anchor.js';
export { TopicFollower, type PartitionOffset, type TopicFollowerOptions } from './follower.js';
export {
  readTopicSnapshot,
  type SnapshotPartition,
  type TopicSnapshot,
  type TopicSnapshotOptions,
} from './topic-snapshot.js';
export {
  PartitionProcessor,
  withTimeout,
  type BatchOutput,
  type PartitionProcessorOptions,
} from './partition-processor.js';
export { RangeReader, type RangeBatchHandler, type RangeReaderOptions } from './range-reader.js';
