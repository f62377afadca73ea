// Helpers for tests and benchmarks that need a real events topic: not part of the runtime API.
export { benchTopicName, preloadBenchTopic } from './bench-topic.js';
export { testEventsTopic, type TestEventsTopic } from './events-topic.js';
export { readCommittedLedger } from './read-topics.js';
