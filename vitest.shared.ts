import { defineProject } from 'vitest/config';

// Every workspace resolves sibling packages from source (the `@tally/source`
// export condition), so tests and typecheck never need a prior build.
export function tallyProject(
  name: string,
  overrides: { include?: string[]; testTimeout?: number; hookTimeout?: number } = {},
) {
  return defineProject({
    resolve: { conditions: ['@tally/source'] },
    ssr: { resolve: { conditions: ['@tally/source'] } },
    test: {
      name,
      include: overrides.include ?? ['src/**/*.test.ts', 'test/**/*.test.ts'],
      testTimeout: overrides.testTimeout ?? 60_000,
      hookTimeout: overrides.hookTimeout ?? 120_000,
    },
  });
}
