import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EntryContent } from '../src/core/chain.js';
import { generateKeyPairSync } from 'node:crypto';
import { DigestSigner } from '../src/digests.js';
import { PostgresAuditStore } from '../src/store/postgres.js';
import { SqliteAuditStore } from '../src/store/sqlite.js';
import type { AuditStore } from '../src/store/types.js';
import { verifyLog, type VerifyReport } from '../src/verify.js';
import { verifyChainsInWorkers } from '../src/verify-workers.js';
import { scratchDatabase, scratchDir } from './support.js';

const content = (partition: number, offset: number, amount: number): EntryContent => ({
  kind: 'event',
  topic: 'events',
  partition,
  offset: String(offset),
  kafkaTimestamp: String(1_700_000_000_000 + offset),
  key: `acc-${partition}`,
  raw: Buffer.from(`record ${partition}/${offset}`).toString('base64'),
  payload: JSON.stringify({ accountId: `acc-${partition}`, amount, version: offset + 2 }),
  schemaSubject: 'events-tally.account.MoneyDeposited',
  schemaVersion: 1,
  schemaId: 3,
  accountId: `acc-${partition}`,
  eventType: 'MoneyDeposited',
  accountVersion: offset + 2,
  amount,
  currency: 'EUR',
  occurredAt: 1_700_000_000_000 + offset,
  anomalyReason: null,
  anomalyDetail: null,
  recordedAt: 1_700_000_001_000,
});

/** What an attacker with access to the database file or a superuser session can do. */
interface Attacker {
  exec(sql: string): Promise<void>;
  close(): Promise<void>;
}

interface Fixture {
  open(): Promise<AuditStore>;
  attacker(): Promise<Attacker>;
  /** SQL that bypasses the append-only triggers, then the tampering statement. */
  bypass: string;
  table: string;
  cleanup(): Promise<void>;
}

async function sqliteFixture(): Promise<Fixture> {
  const scratch = scratchDir();
  const path = join(scratch.dir, 'audit.sqlite');
  return {
    open: async () => SqliteAuditStore.open(path),
    attacker: async () => {
      const db = new Database(path);
      return { exec: async (sql) => void db.exec(sql), close: async () => void db.close() };
    },
    bypass: 'DROP TRIGGER audit_entries_no_update; DROP TRIGGER audit_entries_no_delete;',
    table: 'audit_entries',
    cleanup: async () => scratch.remove(),
  };
}

async function postgresFixture(): Promise<Fixture> {
  const database = await scratchDatabase();
  return {
    open: () => PostgresAuditStore.open(database.url, { poolSize: 2 }),
    attacker: async () => {
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      return { exec: async (sql) => void (await client.query(sql)), close: () => client.end() };
    },
    bypass: 'ALTER TABLE audit.entries DISABLE TRIGGER USER;',
    table: 'audit.entries',
    cleanup: () => database.drop(),
  };
}

describe.each([
  ['sqlite', sqliteFixture],
  ['postgres', postgresFixture],
])('audit store contract: %s', (_kind, makeFixture) => {
  let fixture: Fixture;
  let store: AuditStore;

  beforeAll(async () => {
    fixture = await makeFixture();
    store = await fixture.open();
    // Two chains (partitions 0 and 1), appended in several batches.
    let from = ['0', '0'];
    for (let batch = 0; batch < 3; batch += 1) {
      for (const partition of [0, 1]) {
        const offsets = [0, 1, 2, 3].map((i) => batch * 4 + i);
        const result = await store.append({
          topic: 'events',
          partition,
          fromOffset: from[partition]!,
          nextOffset: String(offsets.at(-1)! + 1),
          contents: offsets.map((o) => content(partition, o, 100 + o)),
        });
        expect(result.kind).toBe('appended');
        from[partition] = String(offsets.at(-1)! + 1);
      }
    }
    from = [];
  });

  afterAll(async () => {
    await store?.close();
    await fixture?.cleanup();
  });

  it('stores offsets with the entries and refuses a batch that does not continue them', async () => {
    expect(await store.loadOffsets('events')).toEqual(
      new Map([
        [0, '12'],
        [1, '12'],
      ]),
    );
    const stale = await store.append({
      topic: 'events',
      partition: 0,
      fromOffset: '8',
      nextOffset: '12',
      contents: [content(0, 8, 1)],
    });
    expect(stale.kind).toBe('stale');
    expect((await store.counts()).entries).toBe(24);
    expect(await store.heads()).toMatchObject([
      { chain: 'events/0', seq: 12 },
      { chain: 'events/1', seq: 12 },
    ]);
  });

  it('writes nothing of a batch whose contents fail while the store reads them', async () => {
    const before = { counts: await store.counts(), heads: await store.heads() };
    // 40 rows: the first statement's 32 are written inside the transaction before the failure.
    function* failing() {
      for (let o = 12; o < 52; o += 1) yield content(0, o, 1);
      throw new Error('the registry went away');
    }
    await expect(
      store.append({
        topic: 'events',
        partition: 0,
        fromOffset: '12',
        nextOffset: '53',
        contents: { [Symbol.iterator]: failing },
      }),
    ).rejects.toThrow(/registry went away/);
    expect(await store.counts()).toEqual(before.counts);
    expect(await store.heads()).toEqual(before.heads);
    expect((await store.loadOffsets('events')).get(0)).toBe('12');
    expect(await store.scanChain('events/0', 12, 100)).toEqual([]);
  });

  it('appends batches handed in together, each on its own; one that fails fails only itself', async () => {
    const before = await store.counts();
    function* failing() {
      yield content(1, 12, 1);
      throw new Error('the registry went away');
    }
    // A fetch's batches arrive together (the SQLite store writes them in one transaction).
    const results = await Promise.allSettled([
      store.append({
        topic: 'events',
        partition: 0,
        fromOffset: '12',
        nextOffset: '15',
        contents: [content(0, 12, 1), content(0, 13, 1), content(0, 14, 1)],
      }),
      store.append({
        topic: 'events',
        partition: 1,
        fromOffset: '12',
        nextOffset: '14',
        contents: { [Symbol.iterator]: failing },
      }),
      store.append({
        topic: 'events',
        partition: 1,
        fromOffset: '8',
        nextOffset: '9',
        contents: [content(1, 8, 2)],
      }),
    ]);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value.kind : 'failed'))).toEqual([
      'appended',
      'failed',
      'stale',
    ]);
    expect(results[1]).toMatchObject({ reason: new Error('the registry went away') });
    expect(await store.counts()).toEqual({
      ...before,
      entries: before.entries + 3,
      events: before.events + 3,
    });
    expect(await store.loadOffsets('events')).toEqual(
      new Map([
        [0, '15'],
        [1, '12'],
      ]),
    );
    expect((await store.scanChain('events/0', 12, 100)).map((e) => e.offset)).toEqual([
      '12',
      '13',
      '14',
    ]);
    expect(await store.scanChain('events/1', 12, 100)).toEqual([]);
  });

  it('refuses contents that read only once', async () => {
    function* once() {
      yield content(1, 12, 1);
    }
    await expect(
      store.append({
        topic: 'events',
        partition: 1,
        fromOffset: '12',
        nextOffset: '13',
        contents: once(),
      }),
    ).rejects.toThrow(/readable again/);
  });

  it('answers reports the same before and after the report indexes are built', async () => {
    const reports = async () => ({
      account: await store.accountEntries('acc-0', 0, 100),
      byAccount: await store.eventsByAccount(null, 100),
      payloads: await store.eventPayloadsBetween(0, Number.MAX_SAFE_INTEGER),
      transfers: await store.transferEvents(null, 100),
    });
    const before = await reports();
    expect(before.account.items.length).toBeGreaterThan(0);
    await store.buildReportIndexes();
    await store.buildReportIndexes();
    expect(await reports()).toEqual(before);
  });

  /**
   * One thread, or the chains side by side on worker threads (each with its own read-only
   * connection; SQLite files), give the same report.
   */
  async function expectSameReportOnThreads(report: VerifyReport): Promise<void> {
    const same = { ...report, durationMs: expect.any(Number) as unknown };
    expect(await verifyLog(store, { threads: 1 })).toEqual(same);
    expect(await verifyLog(store, { threads: 2 })).toEqual(same);
    const location = store.readOnlyLocation();
    if (location) {
      // The workers themselves (small pages), not a fallback to this thread.
      const chains = await store.chains();
      const recorded = new Map((await store.headsWithOffsets()).map((h) => [h.chain, h]));
      const results = await verifyChainsInWorkers(location, chains, recorded, {
        pageSize: 5,
        threads: 2,
        onPage: () => undefined,
      });
      const failures = chains.flatMap((c) => {
        const result = results.get(c);
        return result && !result.ok ? [result.failure] : [];
      });
      expect(failures).toEqual(report.failures);
      expect(results.size).toBe(chains.length);
    }
  }

  it('verifies the intact log', async () => {
    const report = await verifyLog(store);
    expect(report).toMatchObject({ ok: true, entries: 27, firstFailure: null });
    expect(report.chains.map((c) => c.chain)).toEqual(['events/0', 'events/1']);
    await expectSameReportOnThreads(report);
    if (store.kind === 'sqlite') expect(store.readOnlyLocation()).toBeDefined();
  });

  it('refuses UPDATE and DELETE of entries in the database itself', async () => {
    const attacker = await fixture.attacker();
    try {
      await expect(
        attacker.exec(`UPDATE ${fixture.table} SET amount = 1 WHERE seq = 2`),
      ).rejects.toThrow(/append-only/);
      await expect(attacker.exec(`DELETE FROM ${fixture.table} WHERE seq = 2`)).rejects.toThrow(
        /append-only/,
      );
    } finally {
      await attacker.close();
    }
    expect((await verifyLog(store)).ok).toBe(true);
  });

  it('detects a cut tail, then names exactly the entry changed behind the triggers, then a deleted one', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const digest = await new DigestSigner({ store, privateKey }).sign();
    const attacker = await fixture.attacker();
    try {
      await attacker.exec(fixture.bypass);
      // Deleting the newest entries leaves no gap; the head recorded with the offsets and the
      // signed digest both catch it.
      await attacker.exec(`DELETE FROM ${fixture.table} WHERE chain = 'events/1' AND seq >= 11`);
      let report = await verifyLog(store);
      expect(report.firstFailure).toMatchObject({
        chain: 'events/1',
        seq: 11,
        problem: 'TRUNCATED',
      });
      const withDigest = await verifyLog(store, { digest: { digest, publicKey } });
      expect(withDigest.digest).toMatchObject({ signatureValid: true, sequence: 1 });
      expect(withDigest.firstFailure).toMatchObject({
        chain: 'events/1',
        seq: 11,
        problem: 'TRUNCATED',
      });
      expect(withDigest.digest?.failures[0]).toMatchObject({
        chain: 'events/1',
        seq: 11,
        problem: 'TRUNCATED',
      });

      await attacker.exec(
        `UPDATE ${fixture.table} SET amount = 999999 WHERE chain = 'events/1' AND seq = 7`,
      );
      report = await verifyLog(store);
      expect(report.ok).toBe(false);
      expect(report.failures).toHaveLength(1);
      const [row] = (await store.scanChain('events/1', 6, 1)).map((e) => e.id);
      expect(report.firstFailure).toMatchObject({
        chain: 'events/1',
        seq: 7,
        problem: 'HASH_MISMATCH',
        entryId: row,
      });
      await expectSameReportOnThreads(report);

      await attacker.exec(`DELETE FROM ${fixture.table} WHERE chain = 'events/0' AND seq = 5`);
      report = await verifyLog(store);
      expect(report.firstFailure).toMatchObject({
        chain: 'events/0',
        seq: 5,
        problem: 'MISSING_ENTRY',
      });
      expect(report.failures.map((f) => [f.chain, f.seq])).toEqual([
        ['events/0', 5],
        ['events/1', 7],
      ]);
      await expectSameReportOnThreads(report);
    } finally {
      await attacker.close();
    }
  });
});

describe('audit store on SQLite: report indexes', () => {
  it('appends without the report indexes until they are built, once caught up', async () => {
    const scratch = scratchDir();
    const store = SqliteAuditStore.open(join(scratch.dir, 'audit.sqlite'));
    try {
      const indexes = () =>
        store.db
          .prepare<[], { name: string }>(
            `SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'audit_entries'
             AND sql IS NOT NULL ORDER BY name`,
          )
          .all()
          .map((r) => r.name);
      expect(indexes()).toEqual([]);
      await store.buildReportIndexes();
      expect(indexes()).toEqual([
        'audit_entries_account',
        'audit_entries_account_events',
        'audit_entries_occurred',
        'audit_entries_transfer',
      ]);
    } finally {
      await store.close();
      scratch.remove();
    }
  });
});
