export { createKafka } from './client.js';
export { kafkaEnv, type KafkaConfig } from './config.js';
export { describeTopicConfigs, ensureTopic, TopicMismatchError, type TopicSpec } from './topics.js';
