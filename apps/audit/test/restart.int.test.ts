import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { uniqueName, waitUntil } from '@tally/kafka/testing';
import { testIssuer } from '@tally/service/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteAuditStore } from '../src/store/sqlite.js';
import { verifyLog } from '../src/verify.js';
import { registryUrl, scratchDir, startChild, topics, workload, freePort } from './support.js';

describe('restart in the middle of ingest', () => {
  const scratch = scratchDir();
  let t: Awaited<ReturnType<typeof topics>> | undefined;
  const children: ChildProcess[] = [];

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await t?.close();
    scratch.remove();
  });

  it('kill -9 mid-batch, restart: no entry missing, none duplicated, the chain verifies', async () => {
    t = await topics(3);
    const events = workload('r', 400, 49); // 20,000+ events
    await t.send(events);
    const total = events.length;
    const path = join(scratch.dir, 'audit.sqlite');
    const issuer = await testIssuer();
    const env = {
      ...issuer.env,
      ...issuer.clientEnv(scratch.dir),
      TALLY_EVENTS_TOPIC: t.topic,
      SCHEMA_REGISTRY_URL: registryUrl,
      AUDIT_SQLITE_PATH: path,
      AUDIT_GROUP_ID: uniqueName('audit-restart'),
      AUDIT_INGEST_OUTCOMES: 'false',
      AUDIT_MAX_BYTES_PER_PARTITION: '16384', // small batches: many transactions to cut through
      LOG_LEVEL: 'warn',
    };
    SqliteAuditStore.open(path).db.close(); // create the schema so the reader can open it
    const reader = new Database(path, { readonly: true });
    const count = () =>
      (reader.prepare('SELECT count(*) AS n FROM audit_entries').get() as { n: number }).n;

    const first = startChild({ ...env, PORT: String(await freePort()) });
    children.push(first.child);
    await waitUntil('ingest under way', () => count() >= 2_000, 60_000, 5).catch(
      (error: unknown) => {
        throw new Error(`${String(error)}\n${first.log.join('')}`);
      },
    );
    first.child.kill('SIGKILL');
    await first.exited;
    const atKill = count();
    expect(atKill).toBeLessThan(total); // it really was cut in the middle

    // A new group: the killed member would hold its partitions until its session times out
    // (30 s). Offsets live in the audit store, so the group only spreads partitions.
    const second = startChild({
      ...env,
      AUDIT_GROUP_ID: uniqueName('audit-restart'),
      PORT: String(await freePort()),
    });
    children.push(second.child);
    await waitUntil('everything audited after the restart', () => count() >= total, 60_000).catch(
      (error: unknown) => {
        throw new Error(`${String(error)}\n${second.log.join('')}`);
      },
    );
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0); // graceful shutdown: in-flight batch committed, exit 0

    const stats = reader
      .prepare(
        `SELECT count(*) AS entries, count(DISTINCT topic || '/' || partition || '/' || kafka_offset) AS offsets,
           count(DISTINCT account_id || '/' || account_version) AS versions FROM audit_entries`,
      )
      .get() as { entries: number; offsets: number; versions: number };
    expect(stats).toEqual({ entries: total, offsets: total, versions: total });
    reader.close();

    const store = SqliteAuditStore.open(path);
    try {
      const report = await verifyLog(store);
      expect(report).toMatchObject({ ok: true, entries: total });
      expect(await store.loadOffsets(t.topic)).toEqual(
        new Map([...Array(3).keys()].map((p) => [p, expect.any(String)])),
      );
    } finally {
      await store.close();
    }
  });
});
