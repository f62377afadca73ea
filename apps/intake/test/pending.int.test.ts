import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitUntil } from '@tally/kafka/testing';
import { scratchDir } from '@tally/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  issuer,
  post,
  startInstance,
  teller,
  testTopics,
  type TestInstance,
  type TestTopics,
} from './harness.js';

let topics: TestTopics;
const instances: TestInstance[] = [];
const scratch = scratchDir('intake-pending');
const blocker = join(scratch.dir, 'blocker');

beforeAll(async () => {
  topics = await testTopics('pending');
  // Neither instance can take its partitions over while a file stands where its state goes:
  // every command stays in flight until the file is removed.
  writeFileSync(blocker, 'not a folder');
  for (const name of ['x', 'y']) {
    const env = {
      INTAKE_STATE_DIR: join(blocker, name),
      INTAKE_TAKEOVER_ATTEMPTS: '1000',
      INTAKE_COMMAND_TIMEOUT_MS: '300',
    };
    instances.push(await startInstance(topics, env, { waitReady: false }));
  }
});
afterAll(async () => {
  for (const instance of instances) await instance.stop();
  scratch.remove();
});

async function status(instance: TestInstance, location: string, token = teller) {
  const res = await fetch(instance.url + location, {
    headers: { authorization: `Bearer ${token}` },
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe("a 202's Location", () => {
  it('answers pending on every instance while the command is in flight, then the outcome', async () => {
    const [x, y] = instances as [TestInstance, TestInstance];
    const open = await post(
      x.url,
      '/accounts',
      { accountId: 'p-1', owner: 'P', currency: 'EUR' },
      {
        'Idempotency-Key': 'open-p-1',
      },
    );
    expect(open.status).toBe(202);
    const location = open.headers.get('location') as string;
    expect(location).toBe(`/commands/${open.body['commandId'] as string}`);

    expect(await status(x, location)).toMatchObject({ status: 202, body: { status: 'pending' } });
    await waitUntil(
      'the other instance read the command',
      async () => (await status(y, location)).status === 202,
    );
    expect((await status(y, location)).body).toMatchObject({ status: 'pending' });
    // A token limited to another account learns nothing, not even that the command is pending.
    const stranger = await issuer.token({ scopes: ['ledger:read'], accounts: ['p-2'] });
    for (const instance of instances) {
      expect(await status(instance, location, stranger)).toMatchObject({
        status: 404,
        body: { code: 'COMMAND_NOT_FOUND' },
      });
    }

    rmSync(blocker);
    for (const instance of instances) {
      await waitUntil(
        'the outcome is known',
        async () => (await status(instance, location)).status === 200,
        30_000,
      );
      expect((await status(instance, location)).body).toMatchObject({
        status: 'accepted',
        accountId: 'p-1',
        version: 1,
      });
      expect((await status(instance, location, stranger)).status).toBe(404);
    }
  });
});
