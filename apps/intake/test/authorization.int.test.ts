import { SCOPES } from '@tally/service';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  issuer,
  post,
  readCommitted,
  startInstance,
  teller,
  testTopics,
  type TestInstance,
  type TestTopics,
} from './harness.js';

// Who may command which account, who is recorded as the actor, and what a refusal tells whom:
// one intake instance on the real broker, with a small per-caller command limit.
const LIMIT = 8;

let topics: TestTopics;
let intake: TestInstance;

beforeAll(async () => {
  topics = await testTopics('authz');
  intake = await startInstance(topics, { RATE_LIMIT_COMMANDS: String(LIMIT) });
  for (const [accountId, owner] of [
    ['authz-mine', 'Ann'],
    ['authz-other', 'Ola'],
  ] as const) {
    const opened = await post(
      intake.url,
      '/accounts',
      { accountId, owner, currency: 'EUR' },
      { 'Idempotency-Key': `open-${accountId}` },
    );
    expect(opened.status).toBe(201);
  }
  const deposit = await post(
    intake.url,
    '/accounts/authz-other/deposits',
    { amount: 5_000, currency: 'EUR' },
    { 'Idempotency-Key': 'dep-other' },
  );
  expect(deposit.status).toBe(201);
});
afterAll(() => intake?.stop());

const as = (token: string, idempotencyKey: string, more: Record<string, string> = {}) => ({
  authorization: `Bearer ${token}`,
  'Idempotency-Key': idempotencyKey,
  ...more,
});

/** A deposit or withdrawal in EUR on authz-mine, as the token's caller. */
const onMine = (
  kind: 'deposits' | 'withdrawals',
  amount: number,
  token: string,
  idempotencyKey: string,
  more: Record<string, string> = {},
) =>
  post(
    intake.url,
    `/accounts/authz-mine/${kind}`,
    { amount, currency: 'EUR' },
    as(token, idempotencyKey, more),
  );

async function get(path: string, token: string) {
  const res = await fetch(intake.url + path, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** A customer's app: limited to authz-mine, with or without ledger:read. */
const customer = (subject: string, scopes: readonly string[]) =>
  issuer.token({ subject, clientId: 'bank-app', scopes, accounts: ['authz-mine'] });

describe('the intake behind bearer tokens', () => {
  it('records the verified subject and client as the actor, never a header', async () => {
    const alice = await issuer.token({
      subject: 'alice',
      clientId: 'teller-app',
      scopes: [SCOPES.ledgerWrite],
    });
    const deposit = await onMine('deposits', 300, alice, 'actor-1', { 'X-Actor': 'mallory' });
    expect(deposit.status).toBe(201);
    const { events, outcomes } = await readCommitted(topics);
    const event = events.find((e) => e.commandId === deposit.body['commandId']);
    expect(event?.actor).toBe('alice via teller-app');
    expect(outcomes.find((o) => o.commandId === deposit.body['commandId'])?.actor).toBe(
      'alice via teller-app',
    );
    expect(events.filter((e) => e.actor === 'mallory')).toEqual([]);
    // The accounts opened in beforeAll: the teller's own subject.
    expect(events.find((e) => e.accountId === 'authz-other')?.actor).toBe('teller');
  });

  it('refuses an account-limited token on another account before any lookup, and writes nothing', async () => {
    const token = await customer('ann', [SCOPES.ledgerRead, SCOPES.ledgerWrite]);
    const before = await readCommitted(topics);
    const refusals = [];
    // An account that exists, one that does not, and an open whose id the token does not name.
    for (const [path, body] of [
      ['/accounts/authz-other/withdrawals', { amount: 1, currency: 'EUR' }],
      ['/accounts/authz-nobody/withdrawals', { amount: 1, currency: 'EUR' }],
      ['/accounts', { owner: 'Ann', currency: 'EUR' }],
    ] as const) {
      const refused = await post(intake.url, path, body, as(token, `steal-${path}`));
      expect(refused.status, path).toBe(403);
      const { accountId, instance, ...rest } = refused.body;
      expect(accountId).toBeTypeOf('string');
      expect(instance).toBe(path);
      refusals.push(rest);
    }
    // The same answer whatever the account, naming nothing but the rule.
    expect(new Set(refusals.map((r) => JSON.stringify(r))).size).toBe(1);
    expect(refusals[0]).toEqual({
      type: 'urn:tally:problem:account-forbidden',
      title: 'Account forbidden',
      status: 403,
      code: 'ACCOUNT_FORBIDDEN',
      detail: 'this token is limited to other accounts',
    });
    const after = await readCommitted(topics);
    expect(after.events.length).toBe(before.events.length);
    expect(after.outcomes.length).toBe(before.outcomes.length);
    // Its own account works.
    const own = await onMine('deposits', 1, token, 'own-1');
    expect(own.status).toBe(201);
  });

  it('answers a command of another account like an unknown command', async () => {
    const token = await customer('ann', [SCOPES.ledgerRead, SCOPES.ledgerWrite]);
    const others = (await readCommitted(topics)).outcomes.find(
      (o) => o.idempotencyKey === 'dep-other',
    );
    expect(others).toBeDefined();
    const visible = await get(`/commands/${String(others?.commandId)}`, teller);
    expect(visible).toMatchObject({ status: 200, body: { status: 'accepted', balance: 5_000 } });
    const hidden = await get(`/commands/${String(others?.commandId)}`, token);
    const unknownId = '00000000-0000-4000-8000-000000000000';
    const unknown = await get(`/commands/${unknownId}`, token);
    expect(hidden.status).toBe(404);
    expect(unknown.status).toBe(404);
    expect({ ...hidden.body, commandId: '', detail: '', instance: '' }).toEqual({
      ...unknown.body,
      commandId: '',
      detail: '',
      instance: '',
    });
    expect(hidden.body['detail']).toBe(
      String(unknown.body['detail']).replace(unknownId, String(others?.commandId)),
    );
  });

  it('tells a writer without ledger:read that it was refused, never the balance', async () => {
    const writer = await customer('ann-writer', [SCOPES.ledgerWrite]);
    const reader = await customer('ann-reader', [SCOPES.ledgerWrite, SCOPES.ledgerRead]);

    const blind = await onMine('withdrawals', 1_000_000, writer, 'overdraw-1');
    expect(blind.status).toBe(409);
    expect(blind.body).toEqual({
      type: 'urn:tally:problem:insufficient-funds',
      title: 'Insufficient funds',
      status: 409,
      code: 'INSUFFICIENT_FUNDS',
      detail:
        'WithdrawMoney on account authz-mine was refused (INSUFFICIENT_FUNDS); the account state ' +
        'behind the refusal is shown to tokens with ledger:read on the account',
      instance: '/accounts/authz-mine/withdrawals',
      commandId: expect.any(String),
      accountId: 'authz-mine',
    });
    // The same command asked by a reader: the first outcome, now with the facts behind it.
    const seen = await onMine('withdrawals', 1_000_000, reader, 'overdraw-1');
    expect(seen.body).toMatchObject({
      code: 'INSUFFICIENT_FUNDS',
      commandId: blind.body['commandId'],
      balance: 301,
      version: 3,
    });
    expect(String(seen.body['detail'])).toContain('301');
    const status = await get(`/commands/${String(blind.body['commandId'])}`, writer);
    expect(status.body).toEqual({
      commandId: blind.body['commandId'],
      accountId: 'authz-mine',
      eventIds: [],
      status: 'rejected',
      rejection: { code: 'INSUFFICIENT_FUNDS', message: blind.body['detail'], details: {} },
    });

    // Accepted: the writer learns the command's ids, not the balance or version it led to.
    const deposit = await onMine('deposits', 9, writer, 'blind-deposit');
    expect(deposit.status).toBe(201);
    expect(deposit.headers.get('etag')).toBeNull();
    expect(Object.keys(deposit.body).sort()).toEqual(['accountId', 'commandId', 'eventIds']);
    const again = await onMine('deposits', 9, reader, 'blind-deposit');
    expect(again.headers.get('etag')).toBe('"4"');
    expect(again.body).toMatchObject({ balance: 310, version: 4 });
  });

  it(`limits each caller to ${LIMIT} commands per window: 429 with Retry-After`, async () => {
    const flood = await issuer.token({ subject: 'flood', scopes: [SCOPES.ledgerWrite] });
    const statuses: number[] = [];
    for (let i = 0; i <= LIMIT; i += 1) {
      const reply = await onMine('deposits', 1, flood, `flood-${i}`);
      statuses.push(reply.status);
      if (i === LIMIT) {
        expect(reply.body).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
        expect(Number(reply.headers.get('retry-after'))).toBeGreaterThan(0);
        expect(reply.headers.get('ratelimit-policy')).toContain(`${LIMIT};`);
      }
    }
    expect(statuses).toEqual([...Array<number>(LIMIT).fill(201), 429]);
    // Another caller is counted on its own.
    const other = await issuer.token({ subject: 'calm', scopes: [SCOPES.ledgerWrite] });
    const calm = await onMine('deposits', 1, other, 'calm-1');
    expect(calm.status).toBe(201);
  });
});
