export { closed, deposited, opened, withdrawn } from './events.js';
export { freePort } from '@tally/kafka/testing';
export {
  pgAdminUrl,
  registryUrl,
  scratchDatabase,
  scratchDir,
  type ScratchDatabase,
} from './scratch.js';
export { benchTopicName, manyEvents, preloadBenchTopic } from './bench-topic.js';
export { readCommittedLedger } from './read-topics.js';
export { testEventsTopic, type TestEventsTopic } from './events-topic.js';
export { scratchStores, type ScratchStore, type ScratchStoreFactory } from './scratch-stores.js';
