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
  asPgAdmin,
  ownerAndRuntime,
  scratchDatabase,
  scratchDir,
  scratchRole,
  type OwnerAndRuntime,
  type ScratchDatabase,
  type ScratchRole,
} from './scratch.js';
export { scratchStores, type ScratchStore, type ScratchStoreFactory } from './scratch-stores.js';
export { scrapeCounter } from './metrics.js';
export {
  startServiceProcess,
  type ServiceProcess,
  type ServiceProcessOptions,
} from './service-process.js';
