import { tallyProject } from '../../vitest.shared.js';

// The fault drill (`pnpm test:faults`): not part of `pnpm test:stack` or CI, which use
// vitest.config.ts and its *.test.ts files.
export default tallyProject('faults', {
  include: ['test/**/*.drill.ts'],
  testTimeout: 3 * 60 * 60_000,
  hookTimeout: 300_000,
});
