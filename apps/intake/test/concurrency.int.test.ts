import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  post,
  readCommitted,
  startInstance,
  testTopics,
  type TestInstance,
  type TestTopics,
} from './harness.js';

let topics: TestTopics;
let instances: TestInstance[] = [];

beforeAll(async () => {
  topics = await testTopics('conc');
  instances = await Promise.all([startInstance(topics), startInstance(topics)]);
});
afterAll(() => Promise.all(instances.map((i) => i.stop())));

describe('no balance below the limit under concurrency, through two intake instances', () => {
  it('accepts exactly the withdrawals the balance covers', async () => {
    const [a, b] = instances as [TestInstance, TestInstance];
    // Each processor owns some partitions; whichever owns this account decides all of its commands.
    const open = await post(
      a.url,
      '/accounts',
      { accountId: 'acc-hot', owner: 'Hot', currency: 'EUR', overdraftLimit: 150 },
      {
        'Idempotency-Key': 'open-hot',
      },
    );
    expect(open.status).toBe(201);
    expect(
      (
        await post(
          b.url,
          '/accounts/acc-hot/deposits',
          { amount: 1_000, currency: 'EUR' },
          { 'Idempotency-Key': 'dep' },
        )
      ).status,
    ).toBe(201);

    const replies = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        post(
          i % 2 === 0 ? a.url : b.url,
          '/accounts/acc-hot/withdrawals',
          { amount: 100, currency: 'EUR' },
          {
            'Idempotency-Key': `wd-${i}`,
          },
        ),
      ),
    );
    const accepted = replies.filter((r) => r.status === 201);
    const refused = replies.filter((r) => r.status !== 201);
    // 1,000 + 150 overdraft covers 11 withdrawals of 100.
    expect(accepted).toHaveLength(11);
    expect(refused.every((r) => r.status === 409 && r.body['code'] === 'INSUFFICIENT_FUNDS')).toBe(
      true,
    );
    expect(Math.min(...accepted.map((r) => r.body['balance'] as number))).toBe(-100);

    const { events } = await readCommitted(topics);
    const mine = events.filter((e) => e.accountId === 'acc-hot');
    expect(mine.map((e) => e.version)).toEqual(Array.from({ length: 13 }, (_, i) => i + 1));
    let balance = 0;
    for (const event of mine) {
      if (event.type === 'MoneyDeposited') balance += event.amount;
      if (event.type === 'MoneyWithdrawn') balance -= event.amount;
      expect(balance).toBeGreaterThanOrEqual(-150);
    }
    expect(balance).toBe(-100);
  });
});
