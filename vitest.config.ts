import { defineConfig } from 'vitest/config';

// The whole suite, unit and against the local stack, in one run with one summary.
export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/*'],
    reporters: ['default', ['json', { outputFile: '.local/test-results.json' }]],
  },
});
