import { waitUntil } from '@tally/kafka/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PARTITIONS,
  post,
  readCommitted,
  startInstance,
  testTopics,
  type TestInstance,
  type TestTopics,
} from './harness.js';

/** Two instances whose clocks disagree by 2 s, as on two machines. */
const SKEW_MS = 2_000;
const ACCOUNTS = ['ts-0', 'ts-1', 'ts-2', 'ts-3'];

let topics: TestTopics;
let fast: TestInstance;
let slow: TestInstance;

beforeAll(async () => {
  topics = await testTopics('occurred-at');
  fast = await startInstance(topics);
  slow = await startInstance(topics, {}, { now: () => Date.now() - SKEW_MS });
  await waitUntil(
    'both instances own partitions',
    () =>
      fast.runtime.processor.assignedPartitions().length > 0 &&
      slow.runtime.processor.assignedPartitions().length > 0 &&
      fast.runtime.processor.isCaughtUp() &&
      slow.runtime.processor.isCaughtUp(),
  );
  for (const id of ACCOUNTS) {
    const open = await post(
      fast.url,
      '/accounts',
      { accountId: id, owner: id, currency: 'EUR' },
      {
        'Idempotency-Key': `open-${id}`,
      },
    );
    expect(open.status).toBe(201);
  }
});
afterAll(async () => {
  await slow?.stop();
  await fast?.stop().catch(() => undefined);
});

const command = fc.record({
  via: fc.constantFrom(0, 1),
  account: fc.constantFrom(...ACCOUNTS),
  amount: fc.integer({ min: 1, max: 1_000 }),
});
let sequence = 0;

/** Sends the commands all at once, each through the instance it names. */
async function sendAll(
  commands: { via: number; account: string; amount: number }[],
  both: boolean,
) {
  const replies = await Promise.all(
    commands.map(({ via, account, amount }) => {
      sequence += 1;
      const url = both && via === 0 ? fast.url : slow.url;
      return post(
        url,
        `/accounts/${account}/deposits`,
        { amount, currency: 'EUR' },
        {
          'Idempotency-Key': `dep-${sequence}`,
        },
      );
    }),
  );
  for (const reply of replies) expect(reply.status).toBe(201);
}

async function expectTimeNeverRunsBack(): Promise<void> {
  const { events } = await readCommitted(topics);
  for (const id of ACCOUNTS) {
    const mine = events.filter((e) => e.accountId === id).sort((a, b) => a.version - b.version);
    for (let i = 1; i < mine.length; i += 1) {
      expect(mine[i]?.occurredAt).toBeGreaterThanOrEqual(mine[i - 1]?.occurredAt as number);
    }
  }
}

describe('occurredAt in version order', () => {
  it('never decreases along an account, whichever instance took the request', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 4, maxLength: 24 }), async (commands) => {
        await sendAll(commands, true);
        await expectTimeNeverRunsBack();
      }),
      { numRuns: 6 },
    );
  });

  it('never decreases when partitions move to the instance with the slower clock', async () => {
    await fast.stop();
    await waitUntil(
      'the slow instance owns every partition',
      () =>
        slow.runtime.processor.assignedPartitions().length === PARTITIONS &&
        slow.runtime.processor.isCaughtUp(),
      30_000,
    );
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 4, maxLength: 24 }), async (commands) => {
        await sendAll(commands, false);
        await expectTimeNeverRunsBack();
      }),
      { numRuns: 4 },
    );
  });
});
