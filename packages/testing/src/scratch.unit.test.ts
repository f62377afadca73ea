import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { freePort } from '@tally/kafka/testing';
import { scratchDir } from './scratch.js';

describe('scratch helpers', () => {
  it('gives a folder that remove() deletes', () => {
    const scratch = scratchDir('helpers');
    expect(existsSync(scratch.dir)).toBe(true);
    scratch.remove();
    expect(existsSync(scratch.dir)).toBe(false);
  });

  it('finds a free port', async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(1023);
    expect(port).toBeLessThan(65_536);
  });
});
