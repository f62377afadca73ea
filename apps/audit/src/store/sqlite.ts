import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { anchorTable, CommitGroup, type AnchorRow, type TopicAnchor } from '@tally/kafka';
import { MultiRowInsert } from '@tally/service';
import {
  chainEntries,
  chainId,
  GENESIS_HASH,
  type ChainHead,
  type EntryContent,
} from '../core/chain.js';
import type { HeadWithOffset, SignedDigest } from '../core/signed-digest.js';
import { prepareChainScan } from './sqlite-chains.js';
import {
  pendingMigrations,
  SchemaOutdatedError,
  SQLITE_REPORT_INDEXES,
  type MigrateMode,
} from './migrations.js';
import {
  assertReadableAgain,
  countsOf,
  ENTRY_COLUMNS,
  pushEntryValues,
  toEntry,
  toSignedDigest,
} from './rows.js';
import type {
  AppendBatch,
  AppendResult,
  AuditStore,
  EntryCounts,
  LogLocation,
  Page,
  StoredEntry,
  StreamCursor,
  TransferEntry,
} from './types.js';

/** Where this store keeps the anchors of the topics it reads (ADR 0013). */
const ANCHORS = anchorTable('audit_topic_anchors', 'sqlite');

interface OffsetRow {
  next_offset: number;
  head_seq: number;
  head_hash: string;
}

/** The page cache while the report indexes are built (KiB, negative as SQLite has it): 8 MiB. */
const BUILD_CACHE_SIZE = -8192;

/** Rows per INSERT statement (24 values each). */
const ROWS_PER_INSERT = 32;

const TRANSFER_TYPES = `('TransferDebited', 'TransferCredited', 'TransferCompleted', 'TransferReversed')`;

/** Applies the migrations the file lacks, each in its own transaction with its record. */
function migrate(db: Database.Database, mode: MigrateMode): void {
  db.exec(`CREATE TABLE IF NOT EXISTS audit_schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
  const applied = () =>
    db
      .prepare<[], { v: number | null }>('SELECT max(version) AS v FROM audit_schema_migrations')
      .get()?.v ?? 0;
  const pending = pendingMigrations(applied());
  if (pending.length === 0) return;
  if (mode === 'verify') throw new SchemaOutdatedError(applied());
  const record = db.prepare(
    'INSERT INTO audit_schema_migrations (version, name, applied_at) VALUES (?, ?, ?)',
  );
  for (const migration of pending) {
    // IMMEDIATE: a second process opening the file at the same time waits, then finds it applied.
    db.transaction(() => {
      if (applied() >= migration.version) return;
      db.exec(migration.sqlite);
      record.run(migration.version, migration.name, Date.now());
    }).immediate();
  }
}

/** The audit log in one SQLite file (WAL). Triggers refuse UPDATE and DELETE of entries. */
export class SqliteAuditStore implements AuditStore {
  readonly kind = 'sqlite';
  private readonly insert: MultiRowInsert;
  readonly scanChain: AuditStore['scanChain'];
  private readonly appendAllTx: (batches: readonly AppendBatch[]) => AppendResult[];
  /**
   * The batches of one fetch (every partition's, handed in together) in one transaction: one
   * commit per fetch instead of one per batch (ADR 0015).
   */
  private readonly group = new CommitGroup((batches: readonly AppendBatch[]) =>
    this.appendAll(batches),
  );
  private readonly saveDigestTx: (digest: SignedDigest) => void;

  private constructor(readonly db: Database.Database) {
    // Many rows per statement: one call into SQLite per row cost about as much as the row.
    this.insert = new MultiRowInsert(
      (sql) => db.prepare(sql),
      `INSERT INTO audit_entries (${ENTRY_COLUMNS.join(', ')}) VALUES`,
      ENTRY_COLUMNS.length,
      ROWS_PER_INSERT,
    );
    this.scanChain = prepareChainScan(db);
    const readOffset = db.prepare<[string, number], OffsetRow>(
      'SELECT next_offset, head_seq, head_hash FROM audit_offsets WHERE topic = ? AND partition = ?',
    );
    const writeOffset = db.prepare(
      `INSERT INTO audit_offsets (topic, partition, next_offset, chain, head_seq, head_hash,
         event_count, outcome_count, anomaly_count)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (topic, partition) DO UPDATE SET
       next_offset = excluded.next_offset, head_seq = excluded.head_seq, head_hash = excluded.head_hash,
       event_count = event_count + excluded.event_count,
       outcome_count = outcome_count + excluded.outcome_count,
       anomaly_count = anomaly_count + excluded.anomaly_count`,
    );
    // One batch's entries, offset, head and counters, inside the group's transaction.
    const appendOne = (batch: AppendBatch): AppendResult => {
      const row = readOffset.get(batch.topic, batch.partition);
      if (String(row?.next_offset ?? 0) !== batch.fromOffset) return { kind: 'stale' };
      const chain = chainId(batch.topic, batch.partition);
      let head: ChainHead = {
        chain,
        seq: row?.head_seq ?? 0,
        hash: row?.head_hash ?? GENESIS_HASH,
      };
      // Chained and inserted a statement's rows at a time, as the contents are read: the
      // contents, their chained copies and values die young instead of living, all of them,
      // until the batch is written.
      const added = { events: 0, outcomes: 0, anomalies: 0 };
      let part: EntryContent[] = [];
      const insertPart = () => {
        const chained = chainEntries(head, part);
        const values: unknown[] = [];
        for (const entry of chained.entries) pushEntryValues(values, entry);
        this.insert.run(values);
        const counted = countsOf(part);
        added.events += counted.events;
        added.outcomes += counted.outcomes;
        added.anomalies += counted.anomalies;
        head = chained.head;
        part = [];
      };
      for (const content of batch.contents) {
        part.push(content);
        if (part.length === ROWS_PER_INSERT) insertPart();
      }
      if (part.length > 0) insertPart();
      writeOffset.run(
        batch.topic,
        batch.partition,
        batch.nextOffset,
        chain,
        head.seq,
        head.hash,
        added.events,
        added.outcomes,
        added.anomalies,
      );
      return { kind: 'appended', head };
    };
    // Each batch is fenced by its stored offset, in order: a partition's second batch in a group
    // continues from its first. Rows, offsets, heads and counters of the group commit together.
    this.appendAllTx = db.transaction((batches: readonly AppendBatch[]) => batches.map(appendOne));
    const latest = db.prepare<[], { sequence: number }>(
      'SELECT max(sequence) AS sequence FROM audit_signed_digests',
    );
    const insertDigest = db.prepare(
      'INSERT INTO audit_signed_digests (sequence, created_at, key_id, body) VALUES (?, ?, ?, ?)',
    );
    const insertRange = db.prepare(
      'INSERT INTO audit_digest_ranges (sequence, chain, from_seq, to_seq) VALUES (?, ?, ?, ?)',
    );
    this.saveDigestTx = db.transaction((digest: SignedDigest) => {
      const last = latest.get()?.sequence ?? 0;
      if (digest.sequence !== last + 1) {
        throw new RangeError(`digest ${digest.sequence} does not follow the stored ${last}`);
      }
      insertDigest.run(digest.sequence, digest.createdAt, digest.keyId, JSON.stringify(digest));
      for (const h of digest.heads) {
        if (h.seq > h.fromSeq) insertRange.run(digest.sequence, h.chain, h.fromSeq, h.seq);
      }
    });
  }

  static open(path: string, options: { migrate?: MigrateMode } = {}): SqliteAuditStore {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path);
    try {
      db.pragma('journal_mode = WAL');
      // NORMAL in WAL mode survives a process crash (kill -9); a power loss may lose the newest
      // transactions, together with their offsets, so they are read again from Kafka.
      db.pragma('synchronous = NORMAL');
      db.pragma('busy_timeout = 5000');
      // Four indexes take inserts all over their key ranges (by account, by time); the 2 MiB
      // default page cache makes each batch re-read their pages.
      db.pragma('cache_size = -32768'); // 32 MiB
      migrate(db, options.migrate ?? 'auto');
    } catch (error) {
      db.close();
      throw error;
    }
    return new SqliteAuditStore(db);
  }

  readOnlyLocation(): LogLocation | undefined {
    return this.db.memory ? undefined : { kind: 'sqlite', path: this.db.name };
  }

  async loadOffsets(topic: string): Promise<ReadonlyMap<number, string>> {
    const rows = this.db
      .prepare<[string], { partition: number; next_offset: number }>(
        'SELECT partition, next_offset FROM audit_offsets WHERE topic = ?',
      )
      .all(topic);
    return new Map(rows.map((r) => [r.partition, String(r.next_offset)]));
  }

  async loadAnchors(topic: string): Promise<ReadonlyMap<number, TopicAnchor>> {
    return ANCHORS.fromRows(this.db.prepare<[string], AnchorRow>(ANCHORS.select).all(topic));
  }

  async saveAnchor(topic: string, partition: number, anchor: TopicAnchor): Promise<void> {
    this.db.prepare(ANCHORS.upsert).run(...ANCHORS.valuesOf(topic, partition, anchor));
  }

  /** Grouped with the other batches handed in during the same turn (CommitGroup). */
  async append(batch: AppendBatch): Promise<AppendResult> {
    assertReadableAgain(batch.contents);
    return this.group.commit(batch);
  }

  /** Appends the batches in one transaction, each with its own answer; nothing if one throws. */
  async appendAll(batches: readonly AppendBatch[]): Promise<AppendResult[]> {
    return this.appendAllTx(batches);
  }

  async buildReportIndexes(): Promise<void> {
    // SQLite sorts an index's keys in up to a page cache's worth of memory, next to the page
    // cache itself: a smaller cache while it builds keeps the process within its memory (P6);
    // the rest of the sort goes through temporary files.
    const cacheSize = this.db.pragma('cache_size', { simple: true }) as number;
    this.db.pragma(`cache_size = ${BUILD_CACHE_SIZE}`);
    try {
      // IF NOT EXISTS: a no-op for a log that has them (made before, or built at an earlier start).
      this.db.exec(SQLITE_REPORT_INDEXES);
    } finally {
      this.db.pragma(`cache_size = ${cacheSize}`);
    }
  }

  async heads(): Promise<ChainHead[]> {
    return this.db
      .prepare<[], ChainHead>(
        'SELECT chain, head_seq AS seq, head_hash AS hash FROM audit_offsets ORDER BY chain',
      )
      .all();
  }

  async headsWithOffsets(): Promise<HeadWithOffset[]> {
    return this.db
      .prepare<[], HeadWithOffset & { nextOffset: number }>(
        `SELECT chain, topic, partition, head_seq AS seq, head_hash AS hash, next_offset AS nextOffset
         FROM audit_offsets ORDER BY chain`,
      )
      .all()
      .map((r) => ({ ...r, nextOffset: String(r.nextOffset) }));
  }

  async chains(): Promise<string[]> {
    const rows = this.db
      .prepare<[], { chain: string }>(
        'SELECT DISTINCT chain FROM audit_entries UNION SELECT chain FROM audit_offsets WHERE head_seq > 0',
      )
      .all();
    return rows.map((r) => r.chain).sort();
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

  async eventsByAccount(after: StreamCursor | null, limit: number): Promise<StoredEntry[]> {
    // TEXT compares with the BINARY collation: UTF-8 byte order.
    const rows =
      after === null
        ? this.db
            .prepare(
              `SELECT * FROM audit_entries WHERE kind = 'event' AND account_id IS NOT NULL
               ORDER BY account_id, id LIMIT ?`,
            )
            .all(limit)
        : this.db
            .prepare(
              `SELECT * FROM audit_entries WHERE kind = 'event'
               AND (account_id, id) > (?, ?) ORDER BY account_id, id LIMIT ?`,
            )
            .all(after.key, after.id, limit);
    return rows.map((r) => toEntry(r as Record<string, unknown>));
  }

  async transferEvents(after: StreamCursor | null, limit: number): Promise<TransferEntry[]> {
    const transferId = `json_extract(payload, '$.transferId')`;
    const rows = (
      after === null
        ? this.db
            .prepare(
              `SELECT ${transferId} AS transfer_id, * FROM audit_entries
               WHERE event_type IN ${TRANSFER_TYPES} ORDER BY ${transferId}, id LIMIT ?`,
            )
            .all(limit)
        : this.db
            .prepare(
              `SELECT ${transferId} AS transfer_id, * FROM audit_entries
               WHERE event_type IN ${TRANSFER_TYPES}
               AND (${transferId}, id) > (?, ?) ORDER BY ${transferId}, id LIMIT ?`,
            )
            .all(after.key, after.id, limit)
    ) as Record<string, unknown>[];
    return rows.map((r) => ({ transferId: String(r['transfer_id']), entry: toEntry(r) }));
  }

  async counts(): Promise<EntryCounts> {
    const row = this.db
      .prepare<[], { events: number | null; outcomes: number | null; anomalies: number | null }>(
        `SELECT sum(event_count) AS events, sum(outcome_count) AS outcomes,
           sum(anomaly_count) AS anomalies FROM audit_offsets`,
      )
      .get();
    const events = row?.events ?? 0;
    const outcomes = row?.outcomes ?? 0;
    const anomalies = row?.anomalies ?? 0;
    return { entries: events + outcomes + anomalies, events, outcomes, anomalies };
  }

  async anomalies(limit: number): Promise<StoredEntry[]> {
    return this.db
      .prepare(`SELECT * FROM audit_entries WHERE kind = 'anomaly' ORDER BY id LIMIT ?`)
      .all(limit)
      .map((r) => toEntry(r as Record<string, unknown>));
  }

  async saveSignedDigest(digest: SignedDigest): Promise<void> {
    this.saveDigestTx(digest);
  }

  private digestWhere(sql: string, ...params: unknown[]): SignedDigest | undefined {
    const row = this.db.prepare<unknown[], { body: string }>(sql).get(...params);
    return row ? toSignedDigest(row.body) : undefined;
  }

  async latestSignedDigest(): Promise<SignedDigest | undefined> {
    return this.digestWhere('SELECT body FROM audit_signed_digests ORDER BY sequence DESC LIMIT 1');
  }

  async signedDigest(sequence: number): Promise<SignedDigest | undefined> {
    return this.digestWhere('SELECT body FROM audit_signed_digests WHERE sequence = ?', sequence);
  }

  async digestCovering(chain: string, seq: number): Promise<number | undefined> {
    const row = this.db
      .prepare<[string, number], { sequence: number; from_seq: number }>(
        `SELECT sequence, from_seq FROM audit_digest_ranges WHERE chain = ? AND to_seq >= ?
         ORDER BY to_seq LIMIT 1`,
      )
      .get(chain, seq);
    return row !== undefined && row.from_seq < seq ? row.sequence : undefined;
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
