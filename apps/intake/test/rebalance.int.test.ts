import { waitUntil } from '@tally/kafka/testing';
import { describe, expect, it } from 'vitest';
import {
  expectEachEventOnce,
  keepSending,
  ownerPairPerFile,
  post,
  readCommitted,
  type Reply,
} from './harness.js';

const pair = ownerPairPerFile('rebalance', { INTAKE_COMMAND_TIMEOUT_MS: '3000' });

describe('a killed instance loses no acknowledged command and applies none twice', () => {
  it('keeps versions 1..n per account while partitions move away from a SIGKILLed owner', async () => {
    const { a, topics } = pair;
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
    // The group now spreads the partitions over both owners.
    await pair.spawnSecond();

    const sent = new Map<string, { accountId: string; reply?: Reply }>();
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
    const flow = keepSending(8, (i) => send(`dep-${i}`, accounts[i % accounts.length] as string));
    await waitUntil('commands flow', () => flow.sent() > 60);
    await pair.killSecond();
    await waitUntil(
      'commands flow after the takeover',
      () =>
        [...sent.values()].filter((s) => s.reply?.status === 201).length > flow.sent() * 0.5 &&
        flow.sent() > 150,
      30_000,
    );
    await flow.stop();

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
