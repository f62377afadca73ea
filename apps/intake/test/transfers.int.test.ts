import { partitionFor } from '@tally/kafka';
import { waitUntil } from '@tally/kafka/testing';
import { inFlightChange, type AccountEvent } from '@tally/ledger';
import { SCOPES } from '@tally/service';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  foldEvents,
  get,
  issuer,
  openAccount,
  PARTITIONS,
  post,
  readCommitted,
  startInstance,
  testTopics,
  type TestInstance,
  type TestTopics,
} from './harness.js';

let topics: TestTopics;
let one: TestInstance;
let two: TestInstance;
/** Both instances run on this clock: the tests move it forward to expire holds. */
let skewMs = 0;
const now = () => Date.now() + skewMs;

beforeAll(async () => {
  topics = await testTopics('transfers');
  const env = { INTAKE_COMMAND_TIMEOUT_MS: '10000', INTAKE_HOLD_EXPIRY_INTERVAL_MS: '100' };
  one = await startInstance(topics, env, { now });
  two = await startInstance(topics, env, { now });
  await waitUntil(
    'the two instances share the partitions, each taken over',
    () =>
      one.runtime.processor.assignedPartitions().length > 0 &&
      two.runtime.processor.assignedPartitions().length > 0 &&
      one.runtime.processor.assignedPartitions().length +
        two.runtime.processor.assignedPartitions().length ===
        PARTITIONS &&
      one.runtime.processor.isCaughtUp() &&
      two.runtime.processor.isCaughtUp(),
    60_000,
  );
});
afterAll(async () => {
  await one?.stop();
  await two?.stop();
});

/** An account id whose partition the instance owns. */
function accountOwnedBy(instance: TestInstance, name: string): string {
  const owned = instance.runtime.processor.assignedPartitions();
  for (let i = 0; ; i += 1) {
    const id = `${name}-${i}`;
    if (owned.includes(partitionFor(id, PARTITIONS))) return id;
  }
}

let keys = 0;
const key = (what: string) => `${what}-${(keys += 1)}`;

const transfer = (via: TestInstance, body: unknown, idempotencyKey: string) =>
  post(via.url, '/transfers', body, { 'Idempotency-Key': idempotencyKey });

/** The committed events of one transfer or hold, by type. */
async function eventsOf(id: string): Promise<AccountEvent[]> {
  const { events } = await readCommitted(topics);
  return events.filter(
    (e) => ('transferId' in e && e.transferId === id) || ('holdId' in e && e.holdId === id),
  );
}

async function balances(): Promise<Map<string, number>> {
  const { events } = await readCommitted(topics);
  const folded = foldEvents(events);
  return new Map(
    [...folded].map(([id, state]) => [id, state.status === 'not-opened' ? 0 : state.balance]),
  );
}

describe('a transfer between accounts on partitions of two owners (ADR 0007)', () => {
  let from: string;
  let to: string;

  beforeAll(async () => {
    from = accountOwnedBy(one, 'from');
    to = accountOwnedBy(two, 'to');
    await openAccount(one.url, from, 10_000);
    await openAccount(two.url, to);
  });

  it('debits on one owner, credits on the other and completes, each step once', async () => {
    const body = { from, to, amount: 2_500, currency: 'EUR' };
    const done = await transfer(one, body, 'move-1');
    expect(done.status).toBe(201);
    expect(done.body).toMatchObject({
      from,
      to,
      amount: 2_500,
      currency: 'EUR',
      state: 'completed',
    });
    const transferId = String(done.body['transferId']);
    expect(done.headers.get('location')).toBe(`/transfers/${transferId}`);

    const steps = (await eventsOf(transferId)).map((e) => `${e.type}@${e.accountId}`);
    expect(steps.sort()).toEqual(
      [`TransferCompleted@${from}`, `TransferCredited@${to}`, `TransferDebited@${from}`].sort(),
    );
    const after = await balances();
    expect(after.get(from)).toBe(7_500);
    expect(after.get(to)).toBe(2_500);

    // The other instance saw both partitions' views of it.
    const seen = await get(two.url, `/transfers/${transferId}`);
    expect(seen.status).toBe(200);
    expect(seen.body).toMatchObject({ transferId, state: 'completed' });

    // A retry with the same key answers the same and writes nothing.
    const again = await transfer(two, body, 'move-1');
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toMatchObject({ transferId, state: 'completed' });
    expect(await eventsOf(transferId)).toHaveLength(3);
    // The same key for another transfer from the same account is refused.
    const reused = await transfer(one, { ...body, amount: 1 }, 'move-1');
    expect(reused.status).toBe(422);
    expect(reused.body['code']).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('reverses the debit when the destination refuses the credit', async () => {
    const closed = accountOwnedBy(two, 'closed');
    await openAccount(two.url, closed);
    const close = await post(
      two.url,
      `/accounts/${closed}/close`,
      {},
      {
        'Idempotency-Key': key('close'),
      },
    );
    expect(close.status).toBe(201);
    const before = (await balances()).get(from);

    const refused = await transfer(one, { from, to: closed, amount: 300, currency: 'EUR' }, 'm-2');
    expect(refused.status).toBe(409);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(refused.body).toMatchObject({ code: 'TRANSFER_REVERSED', reason: 'ACCOUNT_CLOSED' });
    const transferId = String(refused.body['transferId']);
    const steps = (await eventsOf(transferId)).map((e) => e.type);
    expect(steps.sort()).toEqual(['TransferDebited', 'TransferReversed']);
    expect((await balances()).get(from)).toBe(before);
    expect((await get(one.url, `/transfers/${transferId}`)).body).toMatchObject({
      state: 'reversed',
      reason: 'ACCOUNT_CLOSED',
    });
  });

  it('refuses a debit beyond the available balance at the source, moving nothing', async () => {
    const refused = await transfer(one, { from, to, amount: 10_000_000, currency: 'EUR' }, 'm-3');
    expect(refused.status).toBe(409);
    expect(refused.body['code']).toBe('INSUFFICIENT_FUNDS');
    const transferId = String(refused.body['commandId']);
    expect(await eventsOf(transferId)).toEqual([]);
    expect((await get(two.url, `/transfers/${transferId}`)).body).toMatchObject({
      state: 'rejected',
      reason: 'INSUFFICIENT_FUNDS',
    });
  });

  it('keeps money conserved over a burst of concurrent transfers both ways', async () => {
    const all = await readCommitted(topics);
    const total = (events: readonly AccountEvent[]) => {
      const folded = foldEvents(events);
      let sum = 0;
      for (const state of folded.values()) if (state.status !== 'not-opened') sum += state.balance;
      return sum + events.reduce((s, e) => s + inFlightChange(e), 0);
    };
    const before = total(all.events);
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        transfer(
          i % 2 === 0 ? one : two,
          i % 2 === 0
            ? { from, to, amount: 1 + i, currency: 'EUR' }
            : { from: to, to: from, amount: 1 + i, currency: 'EUR' },
          `burst-${i}`,
        ),
      ),
    );
    for (const answer of answers) expect([201, 409]).toContain(answer.status);
    const { events } = await readCommitted(topics);
    expect(total(events)).toBe(before);
    const ids = events.map((e) => e.eventId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('answers every bad transfer request with a specific 4xx problem and writes nothing', async () => {
    const limited = await issuer.token({
      subject: 'customer',
      scopes: [SCOPES.ledgerRead, SCOPES.ledgerWrite],
      accounts: [to],
      ttlSeconds: 600,
    });
    const cases: [unknown, Record<string, string>, number, string][] = [
      [
        { from, to: from, amount: 1, currency: 'EUR' },
        { 'Idempotency-Key': 'b1' },
        422,
        'VALIDATION_ERROR',
      ],
      [
        { from, to, amount: 0, currency: 'EUR' },
        { 'Idempotency-Key': 'b2' },
        422,
        'VALIDATION_ERROR',
      ],
      [
        { from, to, amount: 1.5, currency: 'EUR' },
        { 'Idempotency-Key': 'b3' },
        422,
        'VALIDATION_ERROR',
      ],
      [
        { from, to, amount: 1, currency: 'EUR', x: 1 },
        { 'Idempotency-Key': 'b4' },
        422,
        'VALIDATION_ERROR',
      ],
      [
        { from, to, amount: 1, currency: 'eur' },
        { 'Idempotency-Key': 'b5' },
        422,
        'VALIDATION_ERROR',
      ],
      [{ from, to, amount: 1, currency: 'EUR' }, {}, 400, 'INVALID_IDEMPOTENCY_KEY'],
      ['{"from":', { 'Idempotency-Key': 'b6' }, 400, 'MALFORMED_JSON'],
      [
        { from, to, amount: 1, currency: 'USD' },
        { 'Idempotency-Key': 'b7' },
        422,
        'CURRENCY_MISMATCH',
      ],
      // A token limited to accounts moves money only from them.
      [
        { from, to, amount: 1, currency: 'EUR' },
        { 'Idempotency-Key': 'b8', authorization: `Bearer ${limited}` },
        403,
        'ACCOUNT_FORBIDDEN',
      ],
    ];
    const { events: before } = await readCommitted(topics);
    for (const [body, headers, status, code] of cases) {
      const answer = await post(one.url, '/transfers', body, headers);
      expect(answer.status, JSON.stringify(body)).toBe(status);
      expect(answer.headers.get('content-type')).toContain('application/problem+json');
      expect(answer.body['code'], JSON.stringify(answer.body)).toBe(code);
    }
    expect((await get(one.url, '/transfers/not-a-uuid')).status).toBe(422);
    const unknown = await get(one.url, '/transfers/00000000-0000-4000-8000-000000000000');
    expect(unknown.status).toBe(404);
    expect(unknown.body['code']).toBe('TRANSFER_NOT_FOUND');
    const { events: after } = await readCommitted(topics);
    expect(after.length).toBe(before.length);
  });
});

describe('holds (ADR 0007)', () => {
  let account: string;
  let other: string;

  beforeAll(async () => {
    account = accountOwnedBy(two, 'holder');
    other = accountOwnedBy(one, 'payee');
    await openAccount(one.url, account, 1_000);
    await openAccount(one.url, other);
  });

  const inOneDay = () => new Date(now() + 24 * 3600 * 1000).toISOString();
  const place = (amount: number, idempotencyKey: string, expiresAt = inOneDay()) =>
    post(
      one.url,
      `/accounts/${account}/holds`,
      { amount, currency: 'EUR', expiresAt },
      {
        'Idempotency-Key': idempotencyKey,
      },
    );

  it('reserves money: the available balance, not the balance, limits withdrawals', async () => {
    const placed = await place(600, 'hold-1');
    expect(placed.status).toBe(201);
    expect(placed.body).toMatchObject({ state: 'live', held: 600, available: 400, balance: 1_000 });
    const holdId = String(placed.body['holdId']);
    expect(placed.headers.get('location')).toBe(`/accounts/${account}/holds/${holdId}`);

    const withdraw = await post(
      one.url,
      `/accounts/${account}/withdrawals`,
      {
        amount: 500,
        currency: 'EUR',
      },
      { 'Idempotency-Key': key('w') },
    );
    expect(withdraw.status).toBe(409);
    expect(withdraw.body['code']).toBe('INSUFFICIENT_FUNDS');

    // A partial capture withdraws the amount and releases the rest.
    const capture = await post(
      two.url,
      `/accounts/${account}/holds/${holdId}/capture`,
      { amount: 250, currency: 'EUR' },
      { 'Idempotency-Key': 'cap-1' },
    );
    expect(capture.status).toBe(201);
    expect((await eventsOf(holdId)).map((e) => e.type).sort()).toEqual([
      'HoldCaptured',
      'HoldPlaced',
    ]);
    expect((await balances()).get(account)).toBe(750);
    const seen = await get(two.url, `/accounts/${account}/holds/${holdId}`);
    expect(seen.body).toMatchObject({
      state: 'captured',
      capturedAmount: 250,
      releasedAmount: 350,
    });

    // Captured once: a second capture finds no live hold.
    const twice = await post(
      one.url,
      `/accounts/${account}/holds/${holdId}/capture`,
      { amount: 1, currency: 'EUR' },
      { 'Idempotency-Key': 'cap-2' },
    );
    expect(twice.status).toBe(404);
    expect(twice.body['code']).toBe('HOLD_NOT_FOUND');
  });

  it('releases a hold, and captures one as a transfer to another account', async () => {
    const released = await place(100, 'hold-2');
    const releasedId = String(released.body['holdId']);
    const release = await post(
      one.url,
      `/accounts/${account}/holds/${releasedId}/release`,
      {},
      {
        'Idempotency-Key': 'rel-1',
      },
    );
    expect(release.status).toBe(201);
    expect(release.body).toMatchObject({ state: 'released' });

    const paid = await place(200, 'hold-3');
    const paidId = String(paid.body['holdId']);
    const capture = await post(
      one.url,
      `/accounts/${account}/holds/${paidId}/capture`,
      { amount: 200, currency: 'EUR', to: other },
      { 'Idempotency-Key': 'cap-3' },
    );
    expect(capture.status).toBe(201);
    expect(capture.body).toMatchObject({ from: account, to: other, state: 'completed' });
    const after = await balances();
    expect(after.get(account)).toBe(550);
    expect(after.get(other)).toBe(200);
  });

  it('expires a hold at expiresAt by the owner’s clock, exactly once', async () => {
    const placed = await place(50, 'hold-4', new Date(now() + 60_000).toISOString());
    const holdId = String(placed.body['holdId']);
    expect(placed.body).toMatchObject({ held: 50 });
    skewMs += 120_000;
    await waitUntil(
      'the hold expired',
      async () =>
        (await get(one.url, `/accounts/${account}/holds/${holdId}`)).body['state'] === 'expired',
    );
    expect((await eventsOf(holdId)).map((e) => e.type).sort()).toEqual([
      'HoldExpired',
      'HoldPlaced',
    ]);
    // Expired: it can no longer be captured.
    const late = await post(
      one.url,
      `/accounts/${account}/holds/${holdId}/capture`,
      { amount: 50, currency: 'EUR' },
      { 'Idempotency-Key': 'cap-4' },
    );
    expect(late.status).toBe(404);
  });

  it('answers bad hold requests with specific 4xx problems', async () => {
    const cases: [string, unknown, number, string][] = [
      [
        `/accounts/${account}/holds`,
        { amount: 1, currency: 'EUR', expiresAt: 'tomorrow' },
        422,
        'VALIDATION_ERROR',
      ],
      [
        `/accounts/${account}/holds`,
        { amount: 1, currency: 'EUR', expiresAt: new Date(now() - 1000).toISOString() },
        422,
        'INVALID_EXPIRY',
      ],
      [
        `/accounts/${account}/holds`,
        { amount: 10_000, currency: 'EUR', expiresAt: inOneDay() },
        409,
        'INSUFFICIENT_FUNDS',
      ],
      [
        `/accounts/${account}/holds/nope/capture`,
        { amount: 1, currency: 'EUR' },
        422,
        'VALIDATION_ERROR',
      ],
      [
        `/accounts/${account}/holds/00000000-0000-4000-8000-000000000000/release`,
        {},
        404,
        'HOLD_NOT_FOUND',
      ],
      [
        `/accounts/${account}/holds/00000000-0000-4000-8000-000000000000/capture`,
        { amount: 1, currency: 'EUR', to: account },
        422,
        'VALIDATION_ERROR',
      ],
    ];
    for (const [path, body, status, code] of cases) {
      const answer = await post(one.url, path, body, { 'Idempotency-Key': key('bad') });
      expect(answer.status, path).toBe(status);
      expect(answer.body['code'], JSON.stringify(answer.body)).toBe(code);
    }
  });
});
