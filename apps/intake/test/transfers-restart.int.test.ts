// GET /transfers/:id and GET /accounts/:id/holds/:holdId after a restart (ADR 0007 section 10):
// an instance answers from the stores of the partitions it owns, restored from the changelog, not
// only from what it read since it started.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  get,
  ownsAll,
  post,
  startInstance,
  testTopics,
  type TestInstance,
  type TestTopics,
} from './harness.js';

let topics: TestTopics;
const running: TestInstance[] = [];
const start = async (env: Record<string, string> = {}) => {
  const instance = await startInstance(topics, env);
  running.push(instance);
  await ownsAll(instance);
  return instance;
};
const stop = async (instance: TestInstance) => {
  running.splice(running.indexOf(instance), 1);
  await instance.stop();
};

beforeAll(async () => {
  topics = await testTopics('transfers-restart');
});
afterAll(async () => {
  for (const instance of running) await instance.stop();
});

describe('transfer and hold look-ups across restarts (ADR 0007)', () => {
  it('answers a transfer and a hold decided before the instance started', async () => {
    const first = await start();
    for (const id of ['r-from', 'r-to']) {
      const opened = await post(
        first.url,
        '/accounts',
        { accountId: id, owner: id, currency: 'EUR' },
        { 'Idempotency-Key': `open-${id}` },
      );
      expect(opened.status).toBe(201);
    }
    const funded = await post(
      first.url,
      '/accounts/r-from/deposits',
      { amount: 10_000, currency: 'EUR' },
      { 'Idempotency-Key': 'fund' },
    );
    expect(funded.status).toBe(201);
    const done = await post(
      first.url,
      '/transfers',
      { from: 'r-from', to: 'r-to', amount: 2_500, currency: 'EUR' },
      { 'Idempotency-Key': 'move' },
    );
    expect(done.status).toBe(201);
    const transferId = String(done.body['transferId']);
    const placed = await post(
      first.url,
      '/accounts/r-from/holds',
      { amount: 100, currency: 'EUR', expiresAt: new Date(Date.now() + 3_600_000).toISOString() },
      { 'Idempotency-Key': 'reserve' },
    );
    expect(placed.status).toBe(201);
    const holdPath = `/accounts/r-from/holds/${String(placed.body['holdId'])}`;
    const transfer = {
      transferId,
      from: 'r-from',
      to: 'r-to',
      amount: 2_500,
      currency: 'EUR',
      state: 'completed',
    };
    const hold = { holdId: placed.body['holdId'], accountId: 'r-from', amount: 100, state: 'live' };
    const stateDir = first.stateDir;
    await stop(first);

    // Another instance on an empty disk: its stores are restored from the changelog.
    const fresh = await start();
    const fromFresh = await get(fresh.url, `/transfers/${transferId}`);
    expect(fromFresh.status).toBe(200);
    expect(fromFresh.body).toEqual(transfer);
    expect((await get(fresh.url, holdPath)).body).toMatchObject(hold);
    // A status look-up does not turn an unknown id into a known one.
    const unknown = await get(fresh.url, '/transfers/00000000-0000-4000-8000-000000000000');
    expect(unknown.status).toBe(404);
    expect(unknown.body['code']).toBe('TRANSFER_NOT_FOUND');
    await stop(fresh);

    // The first instance again, on its own disk.
    const restarted = await start({ INTAKE_STATE_DIR: stateDir });
    expect((await get(restarted.url, `/transfers/${transferId}`)).body).toEqual(transfer);
    expect((await get(restarted.url, holdPath)).body).toMatchObject(hold);
  });
});
