import { join } from 'node:path';
import Database from 'better-sqlite3';
import { waitUntil } from '@tally/kafka/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteAuditStore } from '../src/store/sqlite.js';
import { deposited, opened, runAudit, scratchDir, topics, withdrawn } from './support.js';

const T = Date.parse('2026-03-02T09:00:00Z');

/** An outcome record in the intake's v1 format (OutcomeRecord of @tally/events). */
const outcome = (
  accountId: string,
  outcome: 'accepted' | 'rejected',
  code: string | null,
  decidedAt: number,
) => ({
  v: 1,
  commandId: `cmd-${accountId}-${decidedAt}`,
  idempotencyKey: `key-${decidedAt}`,
  requestHash: 'h',
  commandType: 'WithdrawMoney',
  accountId,
  correlationId: 'corr',
  actor: 'teller',
  receivedAt: decidedAt - 5,
  decidedAt,
  outcome,
  eventIds: [],
  version: 4,
  balance: 120,
  currency: 'EUR',
  rejection: code === null ? null : { code, message: 'no', details: { balance: 120 } },
});

describe('audit service against the broker and the registry', () => {
  let t: Awaited<ReturnType<typeof topics>>;
  let audit: Awaited<ReturnType<typeof runAudit>>;
  let store: SqliteAuditStore;
  const scratch = scratchDir();
  const path = join(scratch.dir, 'audit.sqlite');

  beforeAll(async () => {
    t = await topics(3);
    store = SqliteAuditStore.open(path);
    audit = await runAudit({
      store,
      kafka: t.kafka,
      topic: t.topic,
      outcomesTopic: t.outcomesTopic,
    });
    await t.send([
      opened('seed', T),
      deposited('seed', 2, 100, T + 60_000),
      withdrawn('seed', 3, 30, T + 120_000),
      deposited('seed', 4, 50, T + 180_000),
      opened('other', T + 1_000),
      deposited('other', 2, 7, T + 2_000),
    ]);
    await waitUntil('events audited', async () => (await store.counts()).events === 6);
    for (const [i, code] of [
      'INSUFFICIENT_FUNDS',
      'INSUFFICIENT_FUNDS',
      'ACCOUNT_CLOSED',
      null,
    ].entries()) {
      await t.sendRaw(
        'seed',
        Buffer.from(
          JSON.stringify(
            outcome('seed', code === null ? 'accepted' : 'rejected', code, T + 300_000 + i),
          ),
        ),
        t.outcomesTopic,
      );
    }
    await waitUntil(
      'events and outcomes audited',
      async () => (await store.counts()).entries === 10,
    );
  });

  afterAll(async () => {
    await audit?.stop();
    await store?.close();
    await t?.close();
    scratch.remove();
  });

  it('keeps each event as received, with Kafka coordinates and schema subject, version and id', async () => {
    const res = await audit.get('/audit/accounts/seed/entries?limit=2');
    expect(res.status).toBe(200);
    const page = JSON.parse(res.text);
    expect(page.items).toHaveLength(2);
    const first = page.items[0];
    expect(first).toMatchObject({
      kind: 'event',
      topic: t.topic,
      offset: '0',
      key: 'seed',
      schemaSubject: `${t.topic}-tally.account.AccountOpened`,
      schemaVersion: 1,
      eventType: 'AccountOpened',
      seq: 1,
      payload: { type: 'AccountOpened', accountId: 'seed', version: 1, owner: 'Ada' },
    });
    expect(first.schemaId).toBe(t.serde.schemaIds().get('AccountOpened'));
    const raw = Buffer.from(first.raw, 'base64');
    expect(await t.serde.decode(raw)).toMatchObject({ accountId: 'seed', version: 1 });
    expect(first.hash).toMatch(/^[0-9a-f]{64}$/);
    const next = JSON.parse(
      (await audit.get(`/audit/accounts/seed/entries?after=${page.next}&limit=100`)).text,
    );
    // the 2 other events and the 4 outcomes of the account
    expect(next.items.map((e: { kind: string }) => e.kind)).toEqual([
      'event',
      'event',
      'outcome',
      'outcome',
      'outcome',
      'outcome',
    ]);
    expect(next.next).toBeNull();
  });

  it('seed scenario statement: opening 0, running 100/70/120, closing 120, in JSON, CSV and HTML', async () => {
    const q = '/reports/statement?account=seed&from=2026-03-02&to=2026-03-03';
    const json = JSON.parse((await audit.get(q)).text);
    expect(json.openingBalance).toBe(0);
    expect(json.movements.map((m: { balance: number }) => m.balance)).toEqual([100, 70, 120]);
    expect(json.closingBalance).toBe(120);

    const csv = await audit.get(`${q}&format=csv`);
    expect(csv.type).toMatch(/text\/csv/);
    const rows = csv.text
      .trim()
      .split('\r\n')
      .map((l) => l.split(','));
    const col = rows[0]!.indexOf('balance_minor');
    expect(rows.slice(1).map((r) => Number(r[col]))).toEqual([0, 100, 70, 120, 120]);

    const html = await audit.get(`${q}&format=html`);
    expect(html.type).toMatch(/text\/html/);
    const minors = [...html.text.matchAll(/data-minor="(-?\d+)"/g)].map((m) => Number(m[1]));
    expect(minors).toEqual([0, 100, 100, -30, 70, 50, 120, 120]);
  });

  it('refuses bad report parameters with problem+json', async () => {
    const res = await audit.get('/reports/statement?account=seed&from=2026-03-02&to=tomorrow');
    expect(res.status).toBe(400);
    expect(res.type).toMatch(/application\/problem\+json/);
    expect(JSON.parse(res.text)).toMatchObject({ code: 'INVALID_PARAMETER' });
    expect(
      (await audit.get('/reports/statement?account=nobody&from=2026-03-02&to=2026-03-03')).status,
    ).toBe(404);
    expect((await audit.get('/reports/daily?date=2026-02-30')).status).toBe(400);
  });

  it('an account-limited token reads its own account only; reports over all accounts never', async () => {
    const customer = await audit.issuer.token({
      subject: 'customer-seed',
      scopes: ['audit:read', 'audit:admin'],
      accounts: ['seed'],
    });
    const statement = (account: string) =>
      `/reports/statement?account=${account}&from=2026-03-02&to=2026-03-03`;
    expect(JSON.parse((await audit.get(statement('seed'), customer)).text)).toMatchObject({
      closingBalance: 120,
    });
    expect((await audit.get('/audit/accounts/seed/entries', customer)).status).toBe(200);
    // 'other' exists, 'nobody' does not: the same refusal, before any lookup.
    for (const account of ['other', 'nobody']) {
      for (const path of [statement(account), `/audit/accounts/${account}/entries`]) {
        const refused = await audit.get(path, customer);
        expect(refused.status, path).toBe(403);
        expect(JSON.parse(refused.text), path).toMatchObject({
          code: 'ACCOUNT_FORBIDDEN',
          accountId: account,
        });
        expect(refused.text).not.toContain('balance');
      }
    }
    for (const path of [
      '/reports/daily?date=2026-03-02',
      '/reports/reconciliation',
      '/audit/verify',
      '/audit/anomalies',
      '/audit/digests/latest',
    ]) {
      const refused = await audit.get(path, customer);
      expect(refused.status, path).toBe(403);
      expect(JSON.parse(refused.text), path).toMatchObject({ code: 'ACCOUNT_LIMITED_TOKEN' });
    }
    // audit:admin does not imply audit:read, nor the reverse.
    const admin = await audit.issuer.token({ scopes: ['audit:admin'] });
    expect((await audit.get(statement('seed'), admin)).status).toBe(403);
    const reader = await audit.issuer.token({ scopes: ['audit:read'] });
    expect((await audit.get('/audit/digests/latest', reader)).status).toBe(403);
  });

  it('daily summary: counts and sums by event type, refused commands by code', async () => {
    const daily = JSON.parse((await audit.get('/reports/daily?date=2026-03-02')).text);
    expect(daily).toMatchObject({
      events: 6,
      accounts: 2,
      byType: {
        AccountOpened: { count: 2, sumMinor: 0 },
        MoneyDeposited: { count: 3, sumMinor: 157 },
        MoneyWithdrawn: { count: 1, sumMinor: 30 },
      },
      outcomes: { accepted: 1, rejected: 3 },
      refusedByCode: { INSUFFICIENT_FUNDS: 2, ACCOUNT_CLOSED: 1 },
    });
  });

  it('verifies over HTTP, serves OpenAPI, health and metrics', async () => {
    const verify = JSON.parse((await audit.get('/audit/verify')).text);
    expect(verify).toMatchObject({ ok: true, entries: 10, firstFailure: null });
    expect((await audit.get('/healthz')).status).toBe(200);
    expect(JSON.parse((await audit.get('/openapi.json')).text).paths).toHaveProperty([
      '/audit/verify',
    ]);
    expect((await audit.get('/metrics')).text).toMatch(
      /tally_audit_log_entries_total\{[^}]*kind="event"[^}]*\} 6/,
    );
    await waitUntil('ready', async () => (await audit.get('/readyz')).status === 200);
  });

  it('records a poison record as an anomaly entry in the chain, counts it and reports not ready', async () => {
    await t.sendRaw('seed', Buffer.from('not avro at all'));
    await t.sendRaw('seed', Buffer.from('{not json'), t.outcomesTopic);
    await waitUntil('anomalies recorded', async () => (await store.counts()).anomalies === 2);
    const anomalies = JSON.parse((await audit.get('/audit/anomalies')).text).items;
    expect(anomalies.map((a: { anomalyReason: string }) => a.anomalyReason).sort()).toEqual([
      'INVALID_OUTCOME',
      'WRONG_MAGIC_BYTE',
    ]);
    const poison = anomalies.find((a: { topic: string }) => a.topic === t.topic);
    expect(Buffer.from(poison.raw, 'base64').toString()).toBe('not avro at all');
    const ready = await audit.get('/readyz');
    expect(ready.status).toBe(503);
    expect(JSON.parse(ready.text).checks.anomalies).toMatch(/2 anomaly entries/);
    expect((await audit.get('/metrics')).text).toMatch(
      /tally_audit_log_anomalies_total\{[^}]*reason="WRONG_MAGIC_BYTE"[^}]*\} 1/,
    );
    // Ingest goes on after the anomaly, and the chain still verifies.
    await t.send([deposited('seed', 5, 1, T + 400_000)]);
    await waitUntil('event after the anomaly', async () => (await store.counts()).events === 7);
    expect(JSON.parse((await audit.get('/audit/verify')).text)).toMatchObject({
      ok: true,
      entries: 13,
    });
  });

  it('names the entry an attacker changed in the SQLite file', async () => {
    const attacker = new Database(path);
    try {
      attacker.exec('DROP TRIGGER audit_entries_no_update');
      const target = attacker
        .prepare<[], { id: number; chain: string; seq: number }>(
          `SELECT id, chain, seq FROM audit_entries WHERE account_id = 'seed' AND account_version = 3 AND kind = 'event'`,
        )
        .get()!;
      // Rewrite the withdrawal's payload, amount column included, as if it had been 3 instead of 30.
      attacker
        .prepare(
          `UPDATE audit_entries SET amount = -3, payload = replace(payload, '"amount":30', '"amount":3') WHERE id = ?`,
        )
        .run(target.id);
      const verify = JSON.parse((await audit.get('/audit/verify')).text);
      expect(verify.ok).toBe(false);
      expect(verify.firstFailure).toMatchObject({
        chain: target.chain,
        seq: target.seq,
        entryId: target.id,
        problem: 'HASH_MISMATCH',
      });
    } finally {
      attacker.close();
    }
  });
});
