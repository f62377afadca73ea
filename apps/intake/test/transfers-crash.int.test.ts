import type { ChildProcess } from 'node:child_process';
import { partitionFor } from '@tally/kafka';
import { freePort, waitUntil } from '@tally/kafka/testing';
import { inFlightChange, type AccountEvent } from '@tally/ledger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  foldEvents,
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
  topics = await testTopics('transfers-crash');
  a = await startInstance(topics, { INTAKE_COMMAND_TIMEOUT_MS: '3000' });
});
afterAll(async () => {
  if (b?.pid) process.kill(-b.pid, 'SIGKILL');
  await a?.stop();
});

/** Per transfer id, the types of its step events (each must appear at most once). */
function stepsByTransfer(events: readonly AccountEvent[]): Map<string, string[]> {
  const steps = new Map<string, string[]>();
  for (const event of events) {
    if (!('transferId' in event)) continue;
    const list = steps.get(event.transferId) ?? [];
    list.push(event.type);
    steps.set(event.transferId, list);
  }
  return steps;
}

const FINAL = [
  ['TransferCompleted', 'TransferCredited', 'TransferDebited'],
  ['TransferDebited', 'TransferReversed'],
].map((steps) => steps.join());

describe('transfers while an owner is killed with SIGKILL (ADR 0007)', () => {
  it('conserves money to the minor unit and ends every transfer exactly once', async () => {
    const ring = Array.from({ length: 10 }, (_, i) => `ring-${i}`);
    const closed = ['closed-0', 'closed-1'];
    for (const id of [...ring, ...closed]) {
      const opened = await post(
        a.url,
        '/accounts',
        { accountId: id, owner: id, currency: 'EUR' },
        { 'Idempotency-Key': `open-${id}` },
      );
      expect(opened.status).toBe(201);
    }
    for (const id of ring) {
      const deposit = { amount: 10_000, currency: 'EUR' };
      const done = await post(a.url, `/accounts/${id}/deposits`, deposit, {
        'Idempotency-Key': `fund-${id}`,
      });
      expect(done.status).toBe(201);
    }
    for (const id of closed) {
      const done = await post(a.url, `/accounts/${id}/close`, {}, { 'Idempotency-Key': `c-${id}` });
      expect(done.status).toBe(201);
    }
    const deposited = ring.length * 10_000;

    b = await spawnInstance(topics, await freePort());
    await waitUntil(
      'a gave up partitions to b',
      () => a.runtime.processor.assignedPartitions().length < PARTITIONS,
    );

    // Random transfers around the ring, some beyond the balance, some to closed accounts; every
    // fifth one sent twice with its key (an HTTP retry).
    const sent = new Map<string, { body: object; reply?: Reply }>();
    let n = 0;
    let flowing = true;
    let seed = 7;
    const random = (below: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % below;
    };
    const send = async (key: string, body: object) => {
      const reply = await post(a.url, '/transfers', body, { 'Idempotency-Key': key }).catch(
        () => undefined,
      );
      sent.set(key, { body, ...(reply ? { reply } : {}) });
    };
    const flow = Promise.all(
      Array.from({ length: 6 }, async () => {
        while (flowing) {
          const i = n++;
          const from = ring[random(ring.length)] as string;
          const to =
            random(10) === 0
              ? (closed[random(closed.length)] as string)
              : (ring.filter((id) => id !== from)[random(ring.length - 1)] as string);
          const body = { from, to, amount: 1 + random(4_000), currency: 'EUR' };
          await send(`t-${i}`, body);
          if (i % 5 === 0) await send(`t-${i}`, body);
        }
      }),
    );
    await waitUntil('transfers flow', () => n > 60, 60_000);
    process.kill(-(b.pid as number), 'SIGKILL');
    b = undefined;
    await waitUntil(
      'a owns every partition again',
      () => a.runtime.processor.assignedPartitions().length === PARTITIONS,
      30_000,
    );
    const atTakeover = n;
    await waitUntil('transfers flow after the takeover', () => n > atTakeover + 60, 60_000);
    // The killed instance comes back and takes partitions again while transfers flow.
    b = await spawnInstance(topics, await freePort());
    const atRestart = n;
    await waitUntil('transfers flow after the restart', () => n > atRestart + 40, 60_000);
    flowing = false;
    await flow;

    // Requests answered without an end state (timeouts while partitions moved): asked again.
    for (const [key, entry] of sent) {
      if (entry.reply === undefined || entry.reply.status >= 500) await send(key, entry.body);
    }
    for (const [key, { reply }] of sent) {
      expect([201, 202, 409], `${key}: ${JSON.stringify(reply?.body)}`).toContain(reply?.status);
    }

    // Every debited transfer reaches exactly one end, each step's event once.
    let events: AccountEvent[] = [];
    await waitUntil(
      'every debited transfer is completed or reversed',
      async () => {
        ({ events } = await readCommitted(topics));
        return [...stepsByTransfer(events).values()].every((s) =>
          FINAL.includes([...s].sort().join()),
        );
      },
      60_000,
      250,
    );
    const steps = stepsByTransfer(events);
    const completed = [...steps.values()].filter((s) => s.includes('TransferCompleted')).length;
    const reversed = [...steps.values()].filter((s) => s.includes('TransferReversed')).length;
    expect(completed).toBeGreaterThan(50);
    expect(reversed).toBeGreaterThan(0);
    // Answers agree with the log: a 201 completed, a 409 reversed has its reversal there.
    for (const { reply } of sent.values()) {
      if (reply?.status === 201) {
        expect(steps.get(String(reply.body['transferId']))).toContain('TransferCompleted');
      }
      if (reply?.body['code'] === 'TRANSFER_REVERSED') {
        expect(steps.get(String(reply.body['transferId']))).toContain('TransferReversed');
      }
    }

    // Conservation: balances plus money in flight (none left) equal what was deposited.
    const folded = foldEvents(events);
    let total = 0;
    for (const [id, state] of folded) {
      if (state.status === 'not-opened') continue;
      expect(state.balance, id).toBeGreaterThanOrEqual(0);
      expect(state.unsettledTransfers, id).toEqual([]);
      total += state.balance;
    }
    expect(events.reduce((sum, e) => sum + inFlightChange(e), 0)).toBe(0);
    expect(total).toBe(deposited);
    expectEachEventOnce(events);
  });

  it('expires a hold whose owner was killed: the next owner issues the expiry, once', async () => {
    if (b === undefined) b = await spawnInstance(topics, await freePort());
    await waitUntil(
      'b owns partitions',
      () => a.runtime.processor.assignedPartitions().length < PARTITIONS,
      30_000,
    );
    const ownedByA = a.runtime.processor.assignedPartitions();
    const ringOfB = Array.from({ length: 50 }, (_, i) => `ring-${i % 10}`).find(
      (id) => !ownedByA.includes(partitionFor(id, PARTITIONS)),
    ) as string;
    const placed = await post(
      a.url,
      `/accounts/${ringOfB}/holds`,
      { amount: 1, currency: 'EUR', expiresAt: new Date(Date.now() + 1_500).toISOString() },
      { 'Idempotency-Key': 'failover-hold' },
    );
    expect(placed.status).toBe(201);
    const holdId = String(placed.body['holdId']);
    process.kill(-(b.pid as number), 'SIGKILL');
    b = undefined;
    await waitUntil(
      'the hold expired after the takeover',
      async () => {
        const { events } = await readCommitted(topics);
        return events.some((e) => e.type === 'HoldExpired' && e.holdId === holdId);
      },
      60_000,
      250,
    );
    expect(a.runtime.processor.assignedPartitions()).toHaveLength(PARTITIONS);
    const { events } = await readCommitted(topics);
    const ends = events.filter(
      (e) => 'holdId' in e && e.holdId === holdId && e.type !== 'HoldPlaced',
    );
    expect(ends.map((e) => e.type)).toEqual(['HoldExpired']);
    const state = foldEvents(events).get(ringOfB);
    expect(state?.status === 'open' && state.held).toBe(0);
  });
});
