import { waitUntil } from '@tally/kafka/testing';
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
let intake: TestInstance;

beforeAll(async () => {
  topics = await testTopics('durable');
  intake = await startInstance(topics);
});
afterAll(() => intake?.stop());

describe('2xx only after the events are durable', () => {
  it('answers 201 whose events and outcome are already committed in Kafka', async () => {
    const opened = await post(
      intake.url,
      '/accounts',
      { owner: 'Ada', currency: 'EUR' },
      {
        'Idempotency-Key': 'open-1',
      },
    );
    expect(opened.status).toBe(201);
    const accountId = opened.body['accountId'] as string;
    const deposit = await post(
      intake.url,
      `/accounts/${accountId}/deposits`,
      { amount: 2500, currency: 'EUR' },
      {
        'Idempotency-Key': 'dep-1',
      },
    );
    expect(deposit).toMatchObject({
      status: 201,
      body: { version: 2, balance: 2500, currency: 'EUR' },
    });
    expect(deposit.headers.get('etag')).toBe('"2"');

    // Read back right after the 2xx, read_committed, by a fresh consumer.
    const { events, outcomes } = await readCommitted(topics);
    const ids = [
      ...(opened.body['eventIds'] as string[]),
      ...(deposit.body['eventIds'] as string[]),
    ];
    expect(events.map((e) => e.eventId)).toEqual(ids);
    expect(events.map((e) => [e.type, e.version])).toEqual([
      ['AccountOpened', 1],
      ['MoneyDeposited', 2],
    ]);
    expect(outcomes.map((o) => o.outcome)).toEqual(['accepted', 'accepted']);
  });

  it('leaves a durable outcome for a rejected command, and writes no event', async () => {
    const opened = await post(
      intake.url,
      '/accounts',
      { accountId: 'acc-poor', owner: 'Bo', currency: 'EUR' },
      {
        'Idempotency-Key': 'open-poor',
      },
    );
    expect(opened.status).toBe(201);
    const refused = await post(
      intake.url,
      '/accounts/acc-poor/withdrawals',
      { amount: 1, currency: 'EUR' },
      {
        'Idempotency-Key': 'wd-1',
      },
    );
    expect(refused.status).toBe(409);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(refused.body).toMatchObject({
      code: 'INSUFFICIENT_FUNDS',
      accountId: 'acc-poor',
      version: 1,
    });

    const { events, outcomes } = await readCommitted(topics);
    expect(events.filter((e) => e.accountId === 'acc-poor')).toHaveLength(1);
    expect(outcomes.find((o) => o.idempotencyKey === 'wd-1')).toMatchObject({
      outcome: 'rejected',
      rejection: { code: 'INSUFFICIENT_FUNDS' },
      eventIds: [],
    });
  });

  it('counts accepted and rejected commands and their latency on /metrics', async () => {
    const text = await (await fetch(`${intake.url}/metrics`)).text();
    expect(text).toMatch(/tally_commands_accepted_total\{type="DepositMoney",service="intake"\} 1/);
    expect(text).toMatch(
      /tally_commands_rejected_total\{type="WithdrawMoney",code="INSUFFICIENT_FUNDS",service="intake"\} 1/,
    );
    expect(text).toMatch(
      /tally_command_duration_seconds_count\{service="intake",type="OpenAccount",result="accepted"\} 2/,
    );
  });

  it('exports the processing lag of each owned command partition, 0 once all are decided', async () => {
    const series = new RegExp(
      `^tally_consumer_lag_records\\{topic="${topics.commands}",partition="(\\d+)",service="intake"\\} (\\d+)$`,
      'gm',
    );
    await waitUntil('the lag refreshed', async () => {
      const text = await (await fetch(`${intake.url}/metrics`)).text();
      const lags = [...text.matchAll(series)];
      return lags.length > 0 && lags.every((m) => m[2] === '0');
    });
  });
});
