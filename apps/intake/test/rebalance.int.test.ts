import type { ChildProcess } from 'node:child_process';
import { freePort, waitUntil } from '@tally/kafka/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PARTITIONS,
  post,
  readCommitted,
  spawnInstance,
  startInstance,
  testTopics,
  expectEachEventOnce,
  type Reply,
  type TestInstance,
  type TestTopics,
} from './harness.js';

let topics: TestTopics;
let a: TestInstance;
let b: ChildProcess | undefined;

beforeAll(async () => {
  topics = await testTopics('rebalance');
  a = await startInstance(topics, { INTAKE_COMMAND_TIMEOUT_MS: '3000' });
});
afterAll(async () => {
  if (b?.pid) process.kill(-b.pid, 'SIGKILL');
  await a?.stop();
});

describe('a killed instance loses no acknowledged command and applies none twice', () => {
  it('keeps versions 1..n per account while partitions move away from a SIGKILLed owner', async () => {
    const accounts = Array.from({ length: 6 }, (_, i) => `acc-${i}`);
    for (const id of accounts) {
      const open = await post(
        a.url,
        '/accounts',
        { accountId: id, owner: id, currency: 'EUR' },
        {
          'Idempotency-Key': `open-${id}`,
        },
      );
      expect(open.status).toBe(201);
    }
    b = await spawnInstance(topics, await freePort());
    // The group now spreads the partitions over a and b.
    await waitUntil(
      'a gave up partitions to b',
      () => a.runtime.processor.assignedPartitions().length < PARTITIONS,
    );

    const sent = new Map<string, { accountId: string; reply?: Reply }>();
    let n = 0;
    let flowing = true;
    const send = async (key: string, accountId: string) => {
      const reply = await post(
        a.url,
        `/accounts/${accountId}/deposits`,
        { amount: 10, currency: 'EUR' },
        {
          'Idempotency-Key': key,
        },
      ).catch(() => undefined);
      sent.set(key, { accountId, ...(reply ? { reply } : {}) });
    };
    const flow = Promise.all(
      Array.from({ length: 8 }, async () => {
        while (flowing) {
          const i = n++;
          await send(`dep-${i}`, accounts[i % accounts.length] as string);
        }
      }),
    );
    await waitUntil('commands flow', () => n > 60);
    process.kill(-(b.pid as number), 'SIGKILL');
    b = undefined;
    await waitUntil(
      'a owns every partition again',
      () => a.runtime.processor.assignedPartitions().length === PARTITIONS,
      30_000,
    );
    await waitUntil(
      'commands flow after the takeover',
      () => [...sent.values()].filter((s) => s.reply?.status === 201).length > n * 0.5 && n > 150,
      30_000,
    );
    flowing = false;
    await flow;

    // Commands without a 201 (timed out while partitions moved) are retried with the same key.
    for (const [key, entry] of sent) {
      if (entry.reply?.status !== 201) await send(key, entry.accountId);
    }
    const acknowledged = [...sent.values()].filter((s) => s.reply?.status === 201);
    expect(acknowledged).toHaveLength(sent.size);

    const { events } = await readCommitted(topics);
    expectEachEventOnce(events);
    const eventIds = events.map((e) => e.eventId);
    for (const { reply } of acknowledged) {
      const [id] = reply?.body['eventIds'] as string[];
      expect(eventIds).toContain(id);
    }
    expect(events.filter((e) => e.type === 'MoneyDeposited')).toHaveLength(sent.size);
  });
});
