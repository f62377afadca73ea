import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { waitUntil } from '@tally/kafka/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyInclusionProof, type InclusionProof } from '../src/core/inclusion.js';
import type { SignedDigest } from '../src/core/signed-digest.js';
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
      signingKey: generateKeyPairSync('ed25519').privateKey,
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
    // Money travels as decimal strings of minor units: exact past 2^53.
    expect(json.openingBalance).toBe('0');
    expect(json.movements.map((m: { balance: string }) => m.balance)).toEqual(['100', '70', '120']);
    expect(json.closingBalance).toBe('120');
    expect(json.gaps).toEqual([]);

    const csv = await audit.get(`${q}&format=csv`);
    expect(csv.type).toMatch(/text\/csv/);
    const rows = csv.text
      .trim()
      .split('\r\n')
      .map((l) => l.split(','));
    const col = rows[0]!.indexOf('balance_minor');
    const kind = rows[0]!.indexOf('line');
    expect(rows.slice(1).map((r) => [r[kind], r[col]])).toEqual([
      ['OPENING', '0'],
      ['MOVEMENT', '100'],
      ['MOVEMENT', '70'],
      ['MOVEMENT', '120'],
      ['CLOSING', '120'],
      ['HELD', ''],
    ]);

    const html = await audit.get(`${q}&format=html`);
    expect(html.type).toMatch(/text\/html/);
    const minors = [...html.text.matchAll(/data-minor="(-?\d+)"/g)].map((m) => Number(m[1]));
    expect(minors).toEqual([0, 100, 100, -30, 70, 50, 120, 120]);
    // The footer names the chain head that verifies it; each line names its entry.
    const head = (await store.heads()).find((h) => html.text.includes(`Audit chain ${h.chain},`));
    expect(head && html.text).toContain(head?.hash);
    expect([...html.text.matchAll(/data-entry="([^"]+)"/g)]).toHaveLength(3);

    const pdf = await fetch(`${audit.base}${q}&format=pdf&tz=Europe/Berlin`, {
      headers: { authorization: `Bearer ${audit.auditor}` },
    });
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    expect(
      Buffer.from(await pdf.arrayBuffer())
        .subarray(0, 5)
        .toString('latin1'),
    ).toBe('%PDF-');
  });

  it('refuses bad report parameters with problem+json', async () => {
    const res = await audit.get('/reports/statement?account=seed&from=2026-03-02&to=tomorrow');
    expect(res.status).toBe(400);
    expect(res.type).toMatch(/application\/problem\+json/);
    expect(JSON.parse(res.text)).toMatchObject({ code: 'INVALID_PARAMETER' });
    expect(
      (await audit.get('/reports/statement?account=nobody&from=2026-03-02&to=2026-03-03')).status,
    ).toBe(404);
    const impossible = await audit.get('/reports/daily?date=2026-02-30');
    expect(impossible.status).toBe(400);
    expect(JSON.parse(impossible.text)['invalid-params']).toEqual([
      expect.objectContaining({ name: 'date', value: '2026-02-30' }),
    ]);
    for (const query of [
      'from=2026-03-02T00:00:00&to=2026-03-03', // no offset
      'from=0&to=99999999999999999', // past year 9999
      'from=2026-03-02&to=2026-03-03&tz=Mars/Olympus',
    ]) {
      for (const format of ['json', 'csv', 'html', 'pdf']) {
        const bad = await audit.get(`/reports/statement?account=seed&${query}&format=${format}`);
        expect(bad.status, `${query} ${format}`).toBe(400);
        expect(bad.type).toMatch(/application\/problem\+json/);
      }
    }
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
      closingBalance: '120',
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
      '/audit/digests/1',
      '/audit/witness/latest',
      '/audit/public-key',
      `/audit/entries/${encodeURIComponent(`${t.topic}/0`)}/1/proof`,
      '/reports/conservation',
    ]) {
      const refused = await audit.get(path, customer);
      expect(refused.status, path).toBe(403);
      expect(JSON.parse(refused.text), path).toMatchObject({ code: 'ACCOUNT_LIMITED_TOKEN' });
    }
    for (const path of ['/audit/digests', '/audit/digests/check', '/audit/check-against-log']) {
      const refused = await audit.post(path, '{}', customer);
      expect(refused.status, path).toBe(403);
      expect(JSON.parse(refused.text), path).toMatchObject({ code: 'ACCOUNT_LIMITED_TOKEN' });
    }
    // audit:admin does not imply audit:read, nor the reverse: digests and the witness are admin's,
    // reports, proofs and the public key the reader's.
    const admin = await audit.issuer.token({ scopes: ['audit:admin'] });
    for (const path of [statement('seed'), '/audit/public-key', '/reports/conservation']) {
      expect((await audit.get(path, admin)).status, path).toBe(403);
    }
    const reader = await audit.issuer.token({ scopes: ['audit:read'] });
    for (const path of ['/audit/digests/latest', '/audit/digests/1', '/audit/witness/latest']) {
      expect((await audit.get(path, reader)).status, path).toBe(403);
    }
    for (const path of ['/audit/digests', '/audit/digests/check', '/audit/check-against-log']) {
      const refused = await audit.post(path, '{}', reader);
      expect([refused.status, JSON.parse(refused.text).code], path).toEqual([
        403,
        'INSUFFICIENT_SCOPE',
      ]);
    }
  });

  it('daily summary: counts and sums by event type, refused commands by code', async () => {
    const daily = JSON.parse((await audit.get('/reports/daily?date=2026-03-02')).text);
    expect(daily).toMatchObject({
      events: 6,
      accounts: 2,
      byType: {
        AccountOpened: { count: 2, byCurrency: {} },
        MoneyDeposited: { count: 3, byCurrency: { EUR: '157' } },
        MoneyWithdrawn: { count: 1, byCurrency: { EUR: '30' } },
      },
      gaps: [],
      outcomes: { accepted: 1, rejected: 3 },
      refusedByCode: { INSUFFICIENT_FUNDS: 2, ACCOUNT_CLOSED: 1 },
    });
  });

  it('refuses a malformed digest to check with 400 naming the field, and checks a real one', async () => {
    const post = (body: string) =>
      fetch(`${audit.base}/audit/digests/check`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${audit.auditor}` },
        body,
      });
    const signed = JSON.parse((await audit.post('/audit/digests')).text) as Record<string, unknown>;
    for (const body of [
      'null',
      '42',
      '[]',
      '{}',
      '{"not json',
      JSON.stringify({ ...signed, heads: 'x' }),
      JSON.stringify({ ...signed, extra: 1 }),
    ]) {
      const res = await post(body);
      expect(res.status, body).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
    }
    const named = (await (
      await post(JSON.stringify({ ...signed, sequence: 0, signature: '00' }))
    ).json()) as { 'invalid-params': { name: string }[] };
    expect(named['invalid-params'].map((p) => p.name)).toEqual(['sequence', 'signature']);
    const checked = await (await post(JSON.stringify(signed))).json();
    expect(checked).toMatchObject({ ok: true, digest: { signatureValid: true, failures: [] } });
    const forged = await (await post(JSON.stringify({ ...signed, createdAt: 1 }))).json();
    expect(forged).toMatchObject({ ok: false, digest: { signatureValid: false } });
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

  it('proves a statement line against a signed digest over HTTP, and checks the log against the topics', async () => {
    const digest = JSON.parse((await audit.post('/audit/digests')).text) as SignedDigest;
    const key = JSON.parse((await audit.get('/audit/public-key')).text) as {
      keyId: string;
      publicKeyPem: string;
    };
    expect(key.keyId).toBe(digest.keyId);
    const q = '/reports/statement?account=seed&from=2026-03-02&to=2026-03-03';
    const statement = JSON.parse((await audit.get(q)).text) as {
      movements: {
        entryRef: { chain: string; seq: number };
        eventId: string;
        version: number;
        amount: string;
        occurredAt: number;
      }[];
    };
    const last = statement.movements.at(-1)!;
    const proofPath = `/audit/entries/${encodeURIComponent(last.entryRef.chain)}/${last.entryRef.seq}/proof`;
    const proven = JSON.parse((await audit.get(proofPath)).text) as {
      digest: SignedDigest;
      proof: InclusionProof;
    };
    // Every entry was signed by the first digest (the test before this one); this one's period is empty.
    expect(proven.digest.sequence).toBe(1);
    expect(digest).toMatchObject({ sequence: 2, merkle: { size: 0 } });
    const line = {
      accountId: 'seed',
      eventId: last.eventId,
      version: last.version,
      amount: BigInt(last.amount),
      occurredAt: last.occurredAt,
    };
    const publicKey = createPublicKey(key.publicKeyPem);
    expect(verifyInclusionProof(proven.proof, proven.digest, publicKey, line)).toEqual({
      ok: true,
      problems: [],
    });
    const wrong = verifyInclusionProof(proven.proof, proven.digest, publicKey, {
      ...line,
      version: 3,
    });
    expect(wrong.problems.map((p) => p.at)).toEqual(['line.version']);
    const chainPath = `/audit/entries/${encodeURIComponent(last.entryRef.chain)}`;
    for (const [path, status, code] of [
      [`${chainPath}/x/proof`, 400, 'INVALID_PARAMETER'],
      [`${chainPath}/0/proof`, 400, 'INVALID_PARAMETER'],
      [`${chainPath}/999/proof`, 404, 'ENTRY_NOT_FOUND'],
      ['/audit/entries/no-such-chain/1/proof', 404, 'ENTRY_NOT_FOUND'],
      ['/audit/digests/99', 404, 'NO_DIGEST'],
    ] as const) {
      const res = await audit.get(path);
      expect(res.status, path).toBe(status);
      expect(JSON.parse(res.text).code, path).toBe(code);
    }

    const witness = JSON.parse((await audit.post('/audit/check-against-log')).text);
    expect(witness).toMatchObject({
      ok: true,
      matched: 10,
      firstDifference: null,
      unknownChains: [],
    });
    expect(JSON.parse((await audit.get('/audit/witness/latest')).text)).toEqual(witness);
    const metrics = (await audit.get('/metrics')).text;
    expect(metrics).toMatch(/tally_audit_witness_runs_total\{[^}]*result="ok"[^}]*\} 1/);
    expect(metrics).toMatch(/tally_audit_witness_differences\{[^}]*service="audit"[^}]*\} 0/);
    expect(metrics).toMatch(/tally_audit_digests_signed_total\{[^}]*\} 2/);
    expect(metrics).toMatch(
      new RegExp(`tally_audit_digest_sequence\\{[^}]*\\} ${digest.sequence}`),
    );
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
    // Entries after the last digest have no proof yet.
    const latest = (await store.latestSignedDigest())!;
    const signedSeq = (chain: string) => latest.heads.find((h) => h.chain === chain)?.seq ?? 0;
    const head = (await store.heads()).find((h) => h.seq > signedSeq(h.chain))!;
    const res = await audit.get(
      `/audit/entries/${encodeURIComponent(head.chain)}/${head.seq}/proof`,
    );
    expect([res.status, JSON.parse(res.text).code]).toEqual([404, 'NOT_COVERED_YET']);
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
