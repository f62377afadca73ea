import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  endOffsetSum,
  post,
  readCommitted,
  startInstance,
  testTopics,
  type TestInstance,
  type TestTopics,
} from './harness.js';

let topics: TestTopics;
let intake: TestInstance | undefined;

beforeAll(async () => {
  topics = await testTopics('idem');
  intake = await startInstance(topics);
});
afterAll(() => intake?.stop());

const key = (k: string) => ({ 'Idempotency-Key': k });

describe('Idempotency-Key', () => {
  it('returns the first outcome for the same key and body, writes nothing, also after a restart', async () => {
    const url = () => (intake as TestInstance).url;
    const open = await post(url(), '/accounts', { owner: 'Cy', currency: 'USD' }, key('open-cy'));
    expect(open.status).toBe(201);
    const accountId = open.body['accountId'] as string;
    const body = { amount: 700, currency: 'USD' };
    const first = await post(url(), `/accounts/${accountId}/deposits`, body, key('dep-a'));
    expect(first.status).toBe(201);
    const before = await endOffsetSum(topics.events);

    const again = await post(url(), `/accounts/${accountId}/deposits`, body, key('dep-a'));
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    // A retried open without accountId lands on the same (derived) account.
    const reopen = await post(url(), '/accounts', { owner: 'Cy', currency: 'USD' }, key('open-cy'));
    expect(reopen.body).toEqual(open.body);

    // Restart: the new instance knows outcomes only from the outcomes topic.
    await (intake as TestInstance).stop();
    intake = await startInstance(topics);
    const afterRestart = await post(url(), `/accounts/${accountId}/deposits`, body, key('dep-a'));
    expect(afterRestart.status).toBe(201);
    expect(afterRestart.body).toEqual(first.body);
    const rejectedOnce = await post(
      url(),
      `/accounts/${accountId}/withdrawals`,
      { amount: 10_000, currency: 'USD' },
      key('wd-big'),
    );
    expect(rejectedOnce.body['code']).toBe('INSUFFICIENT_FUNDS');
    const rejectedAgain = await post(
      url(),
      `/accounts/${accountId}/withdrawals`,
      { amount: 10_000, currency: 'USD' },
      key('wd-big'),
    );
    expect(rejectedAgain).toMatchObject({ status: 409, body: { code: 'INSUFFICIENT_FUNDS' } });

    expect(await endOffsetSum(topics.events)).toBe(before);
    const { events } = await readCommitted(topics);
    expect(events.filter((e) => e.commandId === first.body['commandId'])).toHaveLength(1);
    expect(events.map((e) => e.version)).toEqual([1, 2]);
  });

  it('refuses the same key with a different body (422) and writes nothing', async () => {
    const url = (intake as TestInstance).url;
    await post(
      url,
      '/accounts',
      { accountId: 'acc-reuse', owner: 'Di', currency: 'EUR' },
      key('open-di'),
    );
    const first = await post(
      url,
      '/accounts/acc-reuse/deposits',
      { amount: 100, currency: 'EUR' },
      key('k1'),
    );
    expect(first.status).toBe(201);
    const eventsBefore = await endOffsetSum(topics.events);

    const other = await post(
      url,
      '/accounts/acc-reuse/deposits',
      { amount: 999, currency: 'EUR' },
      key('k1'),
    );
    expect(other).toMatchObject({ status: 422, body: { code: 'IDEMPOTENCY_KEY_REUSED' } });
    // Concurrent first use with different bodies: exactly one wins, the other is refused.
    const [a, b] = await Promise.all([
      post(url, '/accounts/acc-reuse/deposits', { amount: 1, currency: 'EUR' }, key('k2')),
      post(url, '/accounts/acc-reuse/deposits', { amount: 2, currency: 'EUR' }, key('k2')),
    ]);
    expect([a.status, b.status].sort()).toEqual([201, 422]);

    expect(await endOffsetSum(topics.events)).toBeGreaterThan(eventsBefore);
    const { events } = await readCommitted(topics);
    const mine = events.filter((e) => e.accountId === 'acc-reuse');
    expect(mine.map((e) => e.version)).toEqual([1, 2, 3]);
  });
});
