import { waitUntil } from '@tally/kafka/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountState, COMMAND } from '../src/state/ledger-state.js';
import {
  foldEvents,
  get,
  openAccount,
  ownsAll,
  PARTITIONS,
  post,
  readChangelog,
  readCommitted,
  startInstance,
  testTopics,
  type TestInstance,
  type TestTopics,
} from './harness.js';

const key = (k: string) => ({ 'Idempotency-Key': k });
const ACCOUNTS = Array.from({ length: 8 }, (_, i) => `st-${i}`);

let topics: TestTopics;
const running: TestInstance[] = [];
async function start(env: Record<string, string> = {}): Promise<TestInstance> {
  const instance = await startInstance(topics, env);
  running.push(instance);
  await ownsAll(instance);
  return instance;
}
async function stop(instance: TestInstance): Promise<void> {
  running.splice(running.indexOf(instance), 1);
  await instance.stop();
}

beforeAll(async () => {
  topics = await testTopics('state');
});
afterAll(async () => {
  for (const instance of running) await instance.stop();
});

/** The partition of each account's state, learnt from the changelog. */
const partitionOf = new Map<string, number>();

/** Store state of every account against the fold of the events topic. */
async function expectStoresMatchEvents(instance: TestInstance): Promise<void> {
  const folded = foldEvents((await readCommitted(topics)).events);
  expect(folded.size).toBe(ACCOUNTS.length);
  for (const [accountId, expected] of folded) {
    const store = instance.runtime.states.store(partitionOf.get(accountId) as number);
    expect(accountState(store, accountId, Date.now())).toEqual(expected);
  }
}

describe('partition state: changelog, checkpoint, window', () => {
  let first: TestInstance;
  const replies = new Map<string, { status: number; body: Record<string, unknown> }>();

  /** Every remembered request sent again: the first answer, marked replayed, and no new event. */
  async function expectReplaysAnswerAsFirst(instance: TestInstance): Promise<void> {
    const eventsBefore = (await readCommitted(topics)).events.length;
    for (const [k, first] of replies) {
      const [, id] = /^(?:dep|wd)-(st-\d+)/.exec(k) as RegExpExecArray;
      const n = Number(k.split('-').at(-1));
      const [path, body] = k.startsWith('dep')
        ? ['deposits', { amount: 100 * n, currency: 'EUR' }]
        : ['withdrawals', { amount: 10_000, currency: 'EUR' }];
      const again = await post(instance.url, `/accounts/${id}/${path}`, body, key(k));
      expect({ status: again.status, body: again.body }).toEqual(first);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
    }
    expect((await readCommitted(topics)).events.length).toBe(eventsBefore);
  }

  it('a new owner on an empty disk restores from the changelog and decides correctly', async () => {
    first = await start();
    for (const id of ACCOUNTS) {
      const open = await post(
        first.url,
        '/accounts',
        { accountId: id, owner: id, currency: 'EUR' },
        key(`open-${id}`),
      );
      expect(open.status).toBe(201);
      for (let n = 1; n <= 3; n += 1) {
        const dep = await post(
          first.url,
          `/accounts/${id}/deposits`,
          { amount: 100 * n, currency: 'EUR' },
          key(`dep-${id}-${n}`),
        );
        expect(dep.status).toBe(201);
        replies.set(`dep-${id}-${n}`, { status: dep.status, body: dep.body });
      }
      const refused = await post(
        first.url,
        `/accounts/${id}/withdrawals`,
        { amount: 10_000, currency: 'EUR' },
        key(`wd-${id}`),
      );
      expect(refused.status).toBe(409);
      replies.set(`wd-${id}`, { status: refused.status, body: refused.body });
    }
    for (const record of await readChangelog(topics)) {
      if (record.key.startsWith('account/')) partitionOf.set(record.key.slice(8), record.partition);
    }
    await stop(first);

    const second = await start();
    // Restored from offset 0 of the compacted changelog: live entries only, no history read.
    for (let p = 0; p < PARTITIONS; p += 1) {
      expect(second.runtime.states.restores.get(p)?.from).toBe(0n);
    }
    const restored = [...second.runtime.states.restores.values()].reduce(
      (n, r) => n + r.records,
      0,
    );
    expect(restored).toBeGreaterThanOrEqual(ACCOUNTS.length * 6);
    await expectStoresMatchEvents(second);

    // It decides on the restored state: 600 is the balance, 601 is not covered.
    const ok = await post(
      second.url,
      `/accounts/st-0/withdrawals`,
      { amount: 600, currency: 'EUR' },
      key('wd-all'),
    );
    expect(ok).toMatchObject({ status: 201, body: { balance: 0, version: 5 } });
    const no = await post(
      second.url,
      `/accounts/st-1/withdrawals`,
      { amount: 601, currency: 'EUR' },
      key('wd-more'),
    );
    expect(no).toMatchObject({ status: 409, body: { code: 'INSUFFICIENT_FUNDS' } });
    await expectStoresMatchEvents(second);

    // A replayed key inside the window answers exactly as the first time, writing no event.
    await expectReplaysAnswerAsFirst(second);

    // Restart on the same disk: resumes from the checkpoint, reading nothing of the changelog.
    const dir = second.stateDir;
    await stop(second);
    const third = await start({ INTAKE_STATE_DIR: dir });
    for (const report of third.runtime.states.restores.values()) {
      expect(report.records).toBe(0);
      expect(report.from).toBe(report.to);
    }
    await expectStoresMatchEvents(third);
    await expectReplaysAnswerAsFirst(third);
    await stop(third);
  });

  it('expires idempotency records after the window, through changelog tombstones', async () => {
    const windowMs = 1_500;
    const instance = await start({ INTAKE_IDEMPOTENCY_WINDOW: `${windowMs}ms` });
    const dep = await post(
      instance.url,
      '/accounts/st-3/deposits',
      { amount: 5, currency: 'EUR' },
      key('short'),
    );
    expect(dep.status).toBe(201);
    const answeredAt = Date.now();
    const commandId = dep.body['commandId'] as string;
    const partition = partitionOf.get('st-3') as number;
    const store = () => instance.runtime.states.store(partition);
    expect(store().get(COMMAND, commandId, Date.now())).toBeDefined();

    // Once the window passed, the partition's next batch tombstones the record.
    await waitUntil('the window passed', () => Date.now() > answeredAt + windowMs);
    await waitUntil(
      'the record is tombstoned',
      async () => {
        const poke = { amount: 1, currency: 'EUR' };
        await post(instance.url, '/accounts/st-3/deposits', poke, key(`poke-${Date.now()}`));
        const log = await readChangelog(topics);
        return log.some((r) => r.key === `${COMMAND}/${commandId}` && r.value === null);
      },
      20_000,
      300,
    );
    // Gone from the disk too (asked as of time 0, so not merely hidden by its expiry).
    expect(store().get(COMMAND, commandId, 0)).toBeUndefined();

    // After the window the key is new again: the same request is decided as a new deposit.
    const versionBefore = (accountState(store(), 'st-3', Date.now()) as { version: number })
      .version;
    const replay = await post(
      instance.url,
      '/accounts/st-3/deposits',
      { amount: 5, currency: 'EUR' },
      key('short'),
    );
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBeNull();
    expect(replay.body['version']).toBe(versionBefore + 1);
    await stop(instance);
  });
});

describe('transfer and hold look-ups from the partition stores (ADR 0007)', () => {
  it('answers a transfer and a hold decided before the instance started', async () => {
    for (const instance of [...running]) await stop(instance);
    const first = await start();
    await openAccount(first.url, 'st-from', 10_000);
    await openAccount(first.url, 'st-to');
    const done = await post(
      first.url,
      '/transfers',
      { from: 'st-from', to: 'st-to', amount: 2_500, currency: 'EUR' },
      key('move'),
    );
    expect(done.status).toBe(201);
    const transferId = String(done.body['transferId']);
    const placed = await post(
      first.url,
      '/accounts/st-from/holds',
      { amount: 100, currency: 'EUR', expiresAt: new Date(Date.now() + 3_600_000).toISOString() },
      key('reserve'),
    );
    expect(placed.status).toBe(201);
    const holdPath = `/accounts/st-from/holds/${String(placed.body['holdId'])}`;
    const transfer = {
      transferId,
      from: 'st-from',
      to: 'st-to',
      amount: 2_500,
      currency: 'EUR',
      state: 'completed',
    };
    const hold = {
      holdId: placed.body['holdId'],
      accountId: 'st-from',
      amount: 100,
      state: 'live',
    };
    const stateDir = first.stateDir;
    await stop(first);

    // Another instance on an empty disk: it read none of it, its stores are restored.
    const fresh = await start();
    const fromFresh = await get(fresh.url, `/transfers/${transferId}`);
    expect(fromFresh.status).toBe(200);
    expect(fromFresh.body).toEqual(transfer);
    expect((await get(fresh.url, holdPath)).body).toMatchObject(hold);
    const unknown = await get(fresh.url, '/transfers/00000000-0000-4000-8000-000000000000');
    expect(unknown.status).toBe(404);
    expect(unknown.body['code']).toBe('TRANSFER_NOT_FOUND');
    await stop(fresh);

    // The first instance again, on its own disk.
    const restarted = await start({ INTAKE_STATE_DIR: stateDir });
    expect((await get(restarted.url, `/transfers/${transferId}`)).body).toEqual(transfer);
    expect((await get(restarted.url, holdPath)).body).toMatchObject(hold);
    await stop(restarted);
  });
});
