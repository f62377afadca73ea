import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isRetriable } from '@tally/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from './registry-client.js';
import { AccountEventSerde } from './serde.js';

// A registry that accepts connections and never answers: every call must still end.
let silent: Server;
let url: string;
beforeAll(async () => {
  silent = createServer(() => undefined);
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
});
afterAll(() => {
  silent.closeAllConnections();
  return new Promise((resolve) => silent.close(resolve));
});

describe('registry calls have a timeout', () => {
  it('the listing client gives up with a retriable error', async () => {
    const started = Date.now();
    const error = await new RegistryClient(url, 200).subjects().catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(String(error)).toMatch(/GET \/subjects -> no answer/);
    expect(isRetriable(error)).toBe(true);
  });

  it('the serde’s registry client gives up too', async () => {
    const started = Date.now();
    const attempt = AccountEventSerde.connect({ registryUrl: url, topic: 't', timeoutMs: 200 });
    await expect(attempt).rejects.toThrow(/timeout/i);
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});
