import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { chainEntries, chainId, GENESIS_HASH, type ChainHead } from '../core/chain.js';
import type { Digest } from '../core/digest.js';
import { ENTRY_COLUMNS, entryValues, toEntry } from './rows.js';
import type { AppendBatch, AppendResult, AuditStore, Page, StoredEntry } from './types.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS audit_entries (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  chain TEXT NOT NULL, seq INTEGER NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('event', 'outcome', 'anomaly')),
  topic TEXT NOT NULL, partition INTEGER NOT NULL, kafka_offset INTEGER NOT NULL,
  kafka_timestamp TEXT NOT NULL, record_key TEXT, raw TEXT, payload TEXT,
  schema_subject TEXT, schema_version INTEGER, schema_id INTEGER,
  account_id TEXT, event_type TEXT, account_version INTEGER, amount INTEGER, currency TEXT,
  occurred_at INTEGER, anomaly_reason TEXT, anomaly_detail TEXT, recorded_at INTEGER NOT NULL,
  UNIQUE (chain, seq), UNIQUE (topic, partition, kafka_offset));
CREATE INDEX IF NOT EXISTS audit_entries_account ON audit_entries (account_id, id);
CREATE INDEX IF NOT EXISTS audit_entries_occurred ON audit_entries (kind, occurred_at);
CREATE TRIGGER IF NOT EXISTS audit_entries_no_update BEFORE UPDATE ON audit_entries
  BEGIN SELECT RAISE(ABORT, 'audit entries are append-only: UPDATE refused'); END;
CREATE TRIGGER IF NOT EXISTS audit_entries_no_delete BEFORE DELETE ON audit_entries
  BEGIN SELECT RAISE(ABORT, 'audit entries are append-only: DELETE refused'); END;
CREATE TABLE IF NOT EXISTS audit_offsets (
  topic TEXT NOT NULL, partition INTEGER NOT NULL, next_offset INTEGER NOT NULL,
  chain TEXT NOT NULL, head_seq INTEGER NOT NULL, head_hash TEXT NOT NULL,
  PRIMARY KEY (topic, partition));
CREATE TABLE IF NOT EXISTS audit_digests (
  id INTEGER PRIMARY KEY AUTOINCREMENT, created_at INTEGER NOT NULL, body TEXT NOT NULL);
CREATE TRIGGER IF NOT EXISTS audit_digests_no_update BEFORE UPDATE ON audit_digests
  BEGIN SELECT RAISE(ABORT, 'digests are append-only: UPDATE refused'); END;
CREATE TRIGGER IF NOT EXISTS audit_digests_no_delete BEFORE DELETE ON audit_digests
  BEGIN SELECT RAISE(ABORT, 'digests are append-only: DELETE refused'); END;
`;

interface OffsetRow {
  next_offset: number;
  head_seq: number;
  head_hash: string;
}

/** The audit log in one SQLite file (WAL). Triggers refuse UPDATE and DELETE of entries. */
export class SqliteAuditStore implements AuditStore {
  readonly kind = 'sqlite';
  private readonly insert: Database.Statement;
  private readonly appendTx: (batch: AppendBatch, recordedHead?: ChainHead) => AppendResult;

  private constructor(readonly db: Database.Database) {
    this.insert = db.prepare(
      `INSERT INTO audit_entries (${ENTRY_COLUMNS.join(', ')}) VALUES (${ENTRY_COLUMNS.map(() => '?').join(', ')})`,
    );
    const readOffset = db.prepare<[string, number], OffsetRow>(
      'SELECT next_offset, head_seq, head_hash FROM audit_offsets WHERE topic = ? AND partition = ?',
    );
    const writeOffset = db.prepare(
      `INSERT INTO audit_offsets (topic, partition, next_offset, chain, head_seq, head_hash)
       VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (topic, partition) DO UPDATE SET
       next_offset = excluded.next_offset, head_seq = excluded.head_seq, head_hash = excluded.head_hash`,
    );
    this.appendTx = db.transaction((batch: AppendBatch): AppendResult => {
      const row = readOffset.get(batch.topic, batch.partition);
      if (String(row?.next_offset ?? 0) !== batch.fromOffset) return { kind: 'stale' };
      const chain = chainId(batch.topic, batch.partition);
      const { entries, head } = chainEntries(
        { chain, seq: row?.head_seq ?? 0, hash: row?.head_hash ?? GENESIS_HASH },
        batch.contents,
      );
      for (const entry of entries) this.insert.run(entryValues(entry));
      writeOffset.run(batch.topic, batch.partition, batch.nextOffset, chain, head.seq, head.hash);
      return { kind: 'appended', head };
    });
  }

  static open(path: string): SqliteAuditStore {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    // NORMAL in WAL mode survives a process crash (kill -9); a power loss may lose the newest
    // transactions, together with their offsets, so they are read again from Kafka.
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    // Four indexes take inserts all over their key ranges (by account, by time); the 2 MiB
    // default page cache makes each batch re-read their pages.
    db.pragma('cache_size = -131072'); // 128 MiB
    db.exec(SCHEMA);
    return new SqliteAuditStore(db);
  }

  async loadOffsets(topic: string): Promise<ReadonlyMap<number, string>> {
    const rows = this.db
      .prepare<[string], { partition: number; next_offset: number }>(
        'SELECT partition, next_offset FROM audit_offsets WHERE topic = ?',
      )
      .all(topic);
    return new Map(rows.map((r) => [r.partition, String(r.next_offset)]));
  }

  async append(batch: AppendBatch): Promise<AppendResult> {
    return this.appendTx(batch);
  }

  async heads(): Promise<ChainHead[]> {
    return this.db
      .prepare<[], ChainHead>(
        'SELECT chain, head_seq AS seq, head_hash AS hash FROM audit_offsets ORDER BY chain',
      )
      .all();
  }

  async chains(): Promise<string[]> {
    const rows = this.db
      .prepare<[], { chain: string }>(
        'SELECT DISTINCT chain FROM audit_entries UNION SELECT chain FROM audit_offsets WHERE head_seq > 0',
      )
      .all();
    return rows.map((r) => r.chain).sort();
  }

  async scanChain(chain: string, afterSeq: number, limit: number): Promise<StoredEntry[]> {
    return this.db
      .prepare(`SELECT * FROM audit_entries WHERE chain = ? AND seq > ? ORDER BY seq LIMIT ?`)
      .all(chain, afterSeq, limit)
      .map((r) => toEntry(r as Record<string, unknown>));
  }

  async accountEntries(
    accountId: string,
    afterId: number,
    limit: number,
  ): Promise<Page<StoredEntry>> {
    const rows = this.db
      .prepare('SELECT * FROM audit_entries WHERE account_id = ? AND id > ? ORDER BY id LIMIT ?')
      .all(accountId, afterId, limit + 1)
      .map((r) => toEntry(r as Record<string, unknown>));
    const items = rows.slice(0, limit);
    return { items, next: rows.length > limit ? String(items.at(-1)?.id) : null };
  }

  private payloads(sql: string, ...params: unknown[]): string[] {
    return this.db
      .prepare<unknown[], { payload: string }>(sql)
      .all(...params)
      .map((r) => r.payload);
  }

  async accountEventPayloads(accountId: string): Promise<string[]> {
    return this.payloads(
      `SELECT payload FROM audit_entries WHERE account_id = ? AND kind = 'event' ORDER BY chain, seq`,
      accountId,
    );
  }

  async eventPayloadsBetween(from: number, to: number): Promise<string[]> {
    return this.payloads(
      `SELECT payload FROM audit_entries WHERE kind = 'event' AND occurred_at >= ? AND occurred_at < ?
       ORDER BY chain, seq`,
      from,
      to,
    );
  }

  async outcomePayloadsBetween(from: number, to: number): Promise<string[]> {
    return this.payloads(
      `SELECT payload FROM audit_entries WHERE kind = 'outcome' AND occurred_at >= ? AND occurred_at < ?
       ORDER BY id`,
      from,
      to,
    );
  }

  async eventPayloadPage(
    afterId: number,
    limit: number,
  ): Promise<{ id: number; payload: string }[]> {
    return this.db
      .prepare<[number, number], { id: number; payload: string }>(
        `SELECT id, payload FROM audit_entries WHERE kind = 'event' AND id > ? ORDER BY id LIMIT ?`,
      )
      .all(afterId, limit);
  }

  async counts() {
    const row = this.db
      .prepare<[], { entries: number; anomalies: number; events: number; outcomes: number }>(
        `SELECT count(*) AS entries,
           coalesce(sum(kind = 'anomaly'), 0) AS anomalies,
           coalesce(sum(kind = 'event'), 0) AS events,
           coalesce(sum(kind = 'outcome'), 0) AS outcomes FROM audit_entries`,
      )
      .get();
    return row ?? { entries: 0, anomalies: 0, events: 0, outcomes: 0 };
  }

  async anomalies(limit: number): Promise<StoredEntry[]> {
    return this.db
      .prepare(`SELECT * FROM audit_entries WHERE kind = 'anomaly' ORDER BY id LIMIT ?`)
      .all(limit)
      .map((r) => toEntry(r as Record<string, unknown>));
  }

  async saveDigest(digest: Digest): Promise<void> {
    this.db
      .prepare('INSERT INTO audit_digests (created_at, body) VALUES (?, ?)')
      .run(digest.createdAt, JSON.stringify(digest));
  }

  async latestDigest(): Promise<Digest | undefined> {
    const row = this.db
      .prepare<[], { body: string }>('SELECT body FROM audit_digests ORDER BY id DESC LIMIT 1')
      .get();
    return row ? (JSON.parse(row.body) as Digest) : undefined;
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
