export {
  closed,
  deposited,
  manyEvents,
  opened,
  seedEvents,
  transferAndHoldEvents,
  withdrawn,
} from './events.js';
export { freePort } from '@tally/kafka/testing';
export {
  pgAdminUrl,
  registryUrl,
  scratchDatabase,
  scratchDir,
  type ScratchDatabase,
} from './scratch.js';
export { scratchStores, type ScratchStore, type ScratchStoreFactory } from './scratch-stores.js';
