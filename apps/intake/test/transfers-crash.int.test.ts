import { partitionFor } from '@tally/kafka';
import { waitUntil } from '@tally/kafka/testing';
import { inFlightChange, type AccountEvent } from '@tally/ledger';
import { describe, expect, it } from 'vitest';
import {
  expectEachEventOnce,
  foldEvents,
  keepSending,
  ownerPairPerFile,
  PARTITIONS,
  post,
  readCommitted,
  type Reply,
} from './harness.js';

const pair = ownerPairPerFile('transfers-crash', { INTAKE_COMMAND_TIMEOUT_MS: '3000' });

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
    const { a, topics } = pair;
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

    await pair.spawnSecond();

    // Random transfers around the ring, some beyond the balance, some to closed accounts; every
    // fifth one sent twice with its key (an HTTP retry).
    const sent = new Map<string, { body: object; reply?: Reply }>();
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
    const flow = keepSending(6, async (i) => {
      const from = ring[random(ring.length)] as string;
      const to =
        random(10) === 0
          ? (closed[random(closed.length)] as string)
          : (ring.filter((id) => id !== from)[random(ring.length - 1)] as string);
      const body = { from, to, amount: 1 + random(4_000), currency: 'EUR' };
      await send(`t-${i}`, body);
      if (i % 5 === 0) await send(`t-${i}`, body);
    });
    await waitUntil('transfers flow', () => flow.sent() > 60, 60_000);
    await pair.killSecond();
    const atTakeover = flow.sent();
    await waitUntil(
      'transfers flow after the takeover',
      () => flow.sent() > atTakeover + 60,
      60_000,
    );
    // The killed instance comes back and takes partitions again while transfers flow.
    await pair.spawnSecond();
    const atRestart = flow.sent();
    await waitUntil('transfers flow after the restart', () => flow.sent() > atRestart + 40, 60_000);
    await flow.stop();

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
    const { a, topics } = pair;
    if (!pair.secondRuns) await pair.spawnSecond();
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
    await pair.killSecond();
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
