import { defineProject } from 'vitest/config';

// Every workspace resolves sibling packages from source (the `@tally/source`
// export condition), so tests and typecheck never need a prior build.
export function tallyProject(name: string) {
  return defineProject({
    resolve: { conditions: ['@tally/source'] },
    ssr: { resolve: { conditions: ['@tally/source'] } },
    test: {
      name,
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      testTimeout: 60_000,
      hookTimeout: 120_000,
    },
  });
}
