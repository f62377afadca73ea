import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// turbo runs its tasks in strict env mode: a variable a task reads but turbo.json does not
// declare is silently missing. The unit tests (`turbo run test`) import the packages' sources and
// the test helpers, so every variable those read by name must be declared for the test task.

const root = fileURLToPath(new URL('../../../', import.meta.url));
const turbo = JSON.parse(readFileSync(join(root, 'turbo.json'), 'utf8')) as {
  tasks: Record<string, { env?: string[]; passThroughEnv?: string[] }>;
};

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory())
      return name === 'node_modules' || name === 'dist' ? [] : files(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/** Sources a unit test can load: every package's src (but its CLIs and mains) and test helpers. */
const loaded = ['apps', 'packages'].flatMap((top) =>
  readdirSync(join(root, top)).flatMap((pkg) => [
    ...files(join(root, top, pkg, 'src')).filter(
      (path) => !/\/(cli\/|main\.ts$|demo\.ts$)|\.int\.test\.ts$|\.e2e\.test\.ts$/.test(path),
    ),
  ]),
);

describe('turbo.json', () => {
  it('declares every variable the unit tests can read', () => {
    const read = new Set<string>();
    for (const path of loaded) {
      for (const match of readFileSync(path, 'utf8').matchAll(/process\.env\['([A-Z_]+)'\]/g)) {
        read.add(match[1] as string);
      }
    }
    expect(read.size).toBeGreaterThan(0);
    const declared = new Set([
      ...(turbo.tasks['test']?.env ?? []),
      ...(turbo.tasks['test']?.passThroughEnv ?? []),
    ]);
    expect([...read].filter((name) => !declared.has(name)).sort()).toEqual([]);
  });
});
