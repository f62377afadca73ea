import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { uniqueName, waitUntil } from '@tally/kafka/testing';
import { SCOPES } from '@tally/service';
import { testIssuer, type TestIssuer } from '@tally/service/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconciliationReport } from '../src/reporting.js';
import { SqliteAuditStore } from '../src/store/sqlite.js';
import {
  registryUrl,
  runAudit,
  scratchDatabase,
  scratchDir,
  topics,
  workload,
  freePort,
  deposited,
} from './support.js';

const projectorDir = fileURLToPath(new URL('../../projector', import.meta.url));

describe('reconciliation against a running projector', () => {
  const scratch = scratchDir();
  let t: Awaited<ReturnType<typeof topics>>;
  let database: Awaited<ReturnType<typeof scratchDatabase>>;
  let projector: ChildProcess | undefined;
  let projectorUrl: string;
  let audit: Awaited<ReturnType<typeof runAudit>>;
  let store: SqliteAuditStore;
  let issuer: TestIssuer;
  const log: string[] = [];
  const events = workload('rec', 60, 12);

  beforeAll(async () => {
    issuer = await testIssuer();
    t = await topics(3);
    database = await scratchDatabase('audit_test_projector');
    const port = await freePort();
    projectorUrl = `http://127.0.0.1:${port}`;
    // The projector app itself (apps/projector/src/main.ts), with a PostgreSQL read model of its own.
    projector = spawn(
      process.execPath,
      ['--conditions=@tally/source', '--import', 'tsx', 'src/main.ts'],
      {
        cwd: projectorDir,
        env: {
          ...process.env,
          TALLY_EVENTS_TOPIC: t.topic,
          SCHEMA_REGISTRY_URL: registryUrl,
          DATABASE_URL: database.url,
          PROJECTOR_GROUP_ID: uniqueName('projector-for-audit'),
          PORT: String(port),
          LOG_LEVEL: 'warn',
          // The projector trusts the issuer whose key the audit service signs its own tokens with.
          ...issuer.env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    projector.stdout?.on('data', (c: Buffer) => log.push(c.toString()));
    projector.stderr?.on('data', (c: Buffer) => log.push(c.toString()));
    store = SqliteAuditStore.open(join(scratch.dir, 'audit.sqlite'));
    audit = await runAudit({ store, kafka: t.kafka, topic: t.topic, projectorUrl, issuer });
    await t.send(events);
    await waitUntil('audit caught up', async () => (await store.counts()).events === events.length);
    await waitUntil(
      'projector caught up',
      async () => {
        const res = await fetch(`${projectorUrl}/readyz`).catch(() => undefined);
        return res?.status === 200;
      },
      60_000,
      100,
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}\nprojector output:\n${log.join('')}`);
    });
  });

  afterAll(async () => {
    await audit?.stop();
    await store?.close();
    if (projector && projector.exitCode === null) {
      const exited = new Promise((resolve) => projector?.once('exit', resolve));
      projector.kill('SIGTERM');
      await exited;
    }
    await database?.drop();
    await t?.close();
    scratch.remove();
  });

  it('finds zero mismatches after a mixed workload', async () => {
    const res = await audit.get('/reports/reconciliation');
    expect(res.status).toBe(200);
    const report = JSON.parse(res.text);
    expect(report).toMatchObject({ accounts: 60, ok: true, problems: [] });
    expect(report.counts.match).toBe(60);
  });

  it('finds no false mismatch when the projector is ahead of the audited versions (live traffic)', async () => {
    // The audit log as it was before more traffic: a copy of its SQLite file.
    const snapshotPath = join(scratch.dir, 'audit-before.sqlite');
    await store.db.backup(snapshotPath);
    const before = SqliteAuditStore.open(snapshotPath);
    try {
      // Deposits on every open account but rec-7 (the next test alters it).
      const live = [];
      for (let round = 0; round < 10; round += 1) {
        for (let a = 0; a < 60; a += 1) {
          if (a % 5 !== 4 && a !== 7) live.push(deposited(`rec-${a}`, 14 + round, 50 + round));
        }
      }
      await t.send(live);
      const projector = {
        url: projectorUrl,
        tokens: issuer.tokenSource({ clientId: 'svc-audit', scopes: [SCOPES.ledgerRead] }),
      };
      const last = await fetch(`${projectorUrl}/accounts/rec-58?minVersion=23`, {
        headers: { authorization: `Bearer ${await projector.tokens.token()}` },
      });
      expect(last.status).toBe(200);
      // 47 accounts are at version 23 in the projector and 13 in the audited copy.
      const report = await reconciliationReport(before, projector);
      expect(report, JSON.stringify(report.problems)).toMatchObject({ ok: true, accounts: 60 });
      expect(report.counts.match).toBe(60);
      const total = events.length + live.length;
      await waitUntil('audit caught up', async () => (await store.counts()).events === total);
      expect((await reconciliationReport(store, projector)).ok).toBe(true);
    } finally {
      await before.close();
    }
  });

  it("reports the account whose balance was altered in the projector's store", async () => {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const { rowCount } = await client.query(
        `UPDATE projector.accounts SET balance = balance + 1 WHERE account_id = 'rec-7'`,
      );
      expect(rowCount).toBe(1);
    } finally {
      await client.end();
    }
    const report = JSON.parse((await audit.get('/reports/reconciliation')).text);
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([
      expect.objectContaining({
        accountId: 'rec-7',
        kind: 'mismatch',
        differences: [
          { field: 'balance', audit: expect.any(String), projector: expect.any(String) },
        ],
      }),
    ]);
    const [difference] = report.problems[0].differences;
    expect(BigInt(difference.projector) - BigInt(difference.audit)).toBe(1n);
  });

  it('is a report over all accounts: refused to account-limited tokens and to other scopes', async () => {
    const customer = await issuer.token({ scopes: [SCOPES.auditRead], accounts: ['rec-1'] });
    expect(JSON.parse((await audit.get('/reports/reconciliation', customer)).text)).toMatchObject({
      status: 403,
      code: 'ACCOUNT_LIMITED_TOKEN',
    });
    const reader = await issuer.token({ scopes: [SCOPES.ledgerRead] });
    expect((await audit.get('/reports/reconciliation', reader)).status).toBe(403);
  });

  it('names the refusal when the projector does not accept the audit service’s token', async () => {
    // Without ledger:read; then signed with a key the projector does not trust.
    await expect(
      reconciliationReport(store, {
        url: projectorUrl,
        tokens: issuer.tokenSource({ scopes: ['audit:read'] }),
      }),
    ).rejects.toThrow(/refused the audit service's token: 403 INSUFFICIENT_SCOPE/);
    const stranger = await testIssuer({ issuer: issuer.issuer, audience: issuer.audience });
    await expect(
      reconciliationReport(store, {
        url: projectorUrl,
        tokens: stranger.tokenSource({ scopes: ['ledger:read'] }),
      }),
    ).rejects.toThrow(/refused the audit service's token: 401 INVALID_TOKEN/);
    // And the projector answers nobody without a token.
    const bare = await fetch(`${projectorUrl}/accounts/rec-1`);
    expect(bare.status).toBe(401);
  });
});
