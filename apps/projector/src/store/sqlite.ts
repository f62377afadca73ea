import Database from 'better-sqlite3';
import type { AccountRow, HistoryRow } from '../projection.js';
import {
  ACCOUNT_COLS,
  HISTORY_COLS,
  NO_RESERVATIONS,
  reservationsOf,
  SKIP_COLS,
  skipValues,
  toAccount,
  toHistory,
  toSkip,
  type AccountRecord,
  type HistoryRecord,
} from './rows.js';
import { anchorTable, CommitGroup, type AnchorRow, type TopicAnchor } from '@tally/kafka';
import type { BatchCommit, Page, ReadModelStore, Skip } from './types.js';

/** Where this store keeps the anchors of the topics it reads (ADR 0013). */
const ANCHORS = anchorTable('projector_topic_anchors', 'sqlite');

type Db = Database.Database;

function init(db: Db): void {
  db.pragma('journal_mode = WAL');
  // NORMAL in WAL mode: a commit is atomic and consistent (rows and offsets together, or
  // neither) after a process crash; a power loss may lose the last transactions, which are then
  // re-read from Kafka because their offsets are lost with them.
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 10000');
  // Replay appends history and updates one small accounts table; the indexes that take inserts
  // all over their key range come after catch-up (createQueryIndexes). 16 MiB of page cache then
  // holds the hot pages (16 MiB: also the in-memory limit of the sort that builds the indexes,
  // which went past the memory budget with 32 MiB); 256 MiB alone used the whole budget (ADR 0015).
  db.pragma('cache_size = -16384'); // 16 MiB
  // Checkpoint every 64 MiB of WAL instead of 4 MiB: hot pages are copied back far less often.
  db.pragma('wal_autocheckpoint = 16384');
  db.exec(`
    CREATE TABLE IF NOT EXISTS projector_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS projector_skips (
      topic TEXT NOT NULL, partition INTEGER NOT NULL, "offset" TEXT NOT NULL,
      reason TEXT NOT NULL, operator TEXT NOT NULL, created_at INTEGER NOT NULL,
      PRIMARY KEY (topic, partition, "offset"));
    -- Which incarnation of the topic the model reads (@tally/kafka topic-anchor), shared by every
    -- generation: a rebuild starts from nothing and anchors anew.
    CREATE TABLE IF NOT EXISTS projector_topic_anchors (
      topic TEXT NOT NULL, partition INTEGER NOT NULL, start_offset TEXT NOT NULL,
      first_timestamp INTEGER NOT NULL, PRIMARY KEY (topic, partition));
  `);
  db.transaction(() => {
    const active = db
      .prepare(`SELECT value FROM projector_meta WHERE key = 'active_generation'`)
      .get();
    if (active === undefined) {
      createTables(db, 1);
      db.prepare(`INSERT INTO projector_meta (key, value) VALUES ('active_generation', '1')`).run();
      swapViews(db, 1);
    }
    addReservations(db, readActive(db));
  }).immediate();
}

/**
 * Tables made before transfers and holds (ADR 0007) gain their columns; their rows had none, which
 * the defaults say. The views select *, which SQLite expands when a query is prepared.
 */
function addReservations(db: Db, g: number): void {
  const columns = db.prepare(`PRAGMA table_info(g${g}_accounts)`).all() as { name: string }[];
  if (columns.length === 0 || columns.some((c) => c.name === 'held')) return;
  db.exec(`
    ALTER TABLE g${g}_accounts ADD COLUMN held INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE g${g}_accounts ADD COLUMN unsettled INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE g${g}_accounts ADD COLUMN reservations TEXT NOT NULL DEFAULT '${NO_RESERVATIONS}';
  `);
}

function createTables(db: Db, g: number): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS g${g}_accounts (
      account_id TEXT PRIMARY KEY, owner TEXT NOT NULL, currency TEXT NOT NULL,
      overdraft_limit INTEGER NOT NULL, balance INTEGER NOT NULL, version INTEGER NOT NULL,
      status TEXT NOT NULL, opened_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, closed_at INTEGER,
      held INTEGER NOT NULL DEFAULT 0, unsettled INTEGER NOT NULL DEFAULT 0,
      reservations TEXT NOT NULL DEFAULT '${NO_RESERVATIONS}'
    ) WITHOUT ROWID;
    -- In arrival order (rowid): replay appends; its key (account_id, version) and the as-of index
    -- come with createQueryIndexes once the generation caught up.
    CREATE TABLE IF NOT EXISTS g${g}_balance_history (
      account_id TEXT NOT NULL, version INTEGER NOT NULL, event_id TEXT NOT NULL,
      event_type TEXT NOT NULL, amount INTEGER NOT NULL, balance_after INTEGER NOT NULL,
      occurred_at INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS g${g}_offsets (
      topic TEXT NOT NULL, partition INTEGER NOT NULL, next_offset TEXT NOT NULL,
      PRIMARY KEY (topic, partition));
  `);
}

/**
 * The history's indexes: its key (account_id, version) and the as-of index. A new generation is
 * created without them: a replay batch touches every account, so each index insert dirtied a page
 * of its own and replay spent most of its time writing B-tree pages; appended in arrival order,
 * a batch fills a few pages. They are built (sorted once) when the generation caught up, or before
 * a rebuild swaps to it; until then history queries scan. The fold never writes a version twice
 * (it folds onto the stored version, fenced by the stored offset), so the unique key holds.
 * A generation made before this keeps its WITHOUT ROWID key and only gains the as-of index.
 */
function createQueryIndexes(db: Db, g: number): void {
  const keyed = (db.pragma(`index_list(g${g}_balance_history)`) as { origin: string }[]).some(
    (index) => index.origin === 'pk',
  );
  db.transaction(() => {
    if (!keyed) {
      db.exec(`CREATE UNIQUE INDEX IF NOT EXISTS g${g}_balance_history_key
        ON g${g}_balance_history (account_id, version)`);
    }
    db.exec(`CREATE INDEX IF NOT EXISTS g${g}_balance_history_as_of
      ON g${g}_balance_history (account_id, occurred_at, version)`);
  }).immediate();
}

function swapViews(db: Db, g: number): void {
  db.exec(`
    DROP VIEW IF EXISTS accounts; DROP VIEW IF EXISTS balance_history; DROP VIEW IF EXISTS consumer_offsets;
    CREATE VIEW accounts AS SELECT * FROM g${g}_accounts;
    CREATE VIEW balance_history AS SELECT * FROM g${g}_balance_history;
    CREATE VIEW consumer_offsets AS SELECT * FROM g${g}_offsets;
  `);
}

function readActive(db: Db): number {
  const row = db
    .prepare(`SELECT value FROM projector_meta WHERE key = 'active_generation'`)
    .get() as { value: string } | undefined;
  return Number(row?.value ?? 1);
}

/** History rows grouped by account, accounts in id order, each account's rows in batch order. */
function inKeyOrder(history: readonly HistoryRow[]): readonly HistoryRow[] {
  const byAccount = new Map<string, HistoryRow[]>();
  for (const h of history) {
    const rows = byAccount.get(h.accountId);
    if (rows === undefined) byAccount.set(h.accountId, [h]);
    else rows.push(h);
  }
  const ids = [...byAccount.keys()].sort();
  const out: HistoryRow[] = [];
  for (const id of ids) for (const h of byAccount.get(id) as HistoryRow[]) out.push(h);
  return out;
}

/**
 * An INSERT of many rows per statement: a batch of 50,000 rows is about 800 calls into SQLite
 * instead of 50,000 (the per-call cost of better-sqlite3 dominated replay). Statements are
 * prepared once per row count and kept.
 */
class MultiRowInsert {
  private static readonly ROWS = 64;
  private readonly bySize = new Map<number, Database.Statement>();

  constructor(
    private readonly db: Db,
    private readonly head: string,
    private readonly width: number,
    private readonly tail = '',
  ) {}

  /** Inserts the rows given as one flat list of values, `width` per row. */
  run(values: readonly unknown[]): void {
    const step = MultiRowInsert.ROWS * this.width;
    for (let at = 0; at < values.length; at += step) {
      const chunk = values.slice(at, at + step);
      this.statement(chunk.length / this.width).run(chunk);
    }
  }

  private statement(rows: number): Database.Statement {
    let statement = this.bySize.get(rows);
    if (statement === undefined) {
      const row = `(${new Array<string>(this.width).fill('?').join(', ')})`;
      statement = this.db.prepare(
        `${this.head} ${new Array<string>(rows).fill(row).join(', ')} ${this.tail}`,
      );
      this.bySize.set(rows, statement);
    }
    return statement;
  }
}

/** SQLite read model in one file (WAL); generation g lives in tables `g<g>_*`. */
export class SqliteStore implements ReadModelStore {
  readonly kind = 'sqlite';
  private statements!: ReturnType<SqliteStore['prepare']>;
  private readonly queries: ReturnType<SqliteStore['prepareQueries']>;
  private readonly group = new CommitGroup((batches: readonly BatchCommit[]) =>
    this.commitAll(batches),
  );

  private constructor(
    private readonly db: Db,
    private gen: number,
    /** true: follows the active generation (the live projector); false: a rebuild's generation. */
    private readonly followsActive: boolean,
  ) {
    this.statements = this.prepare();
    this.queries = this.prepareQueries();
  }

  static open(path: string): SqliteStore {
    const db = new Database(path);
    init(db);
    return new SqliteStore(db, readActive(db), true);
  }

  get generation(): number {
    return this.gen;
  }

  private prepare() {
    const g = this.gen;
    return {
      offsets: this.db.prepare(`SELECT partition, next_offset FROM g${g}_offsets WHERE topic = ?`),
      offset: this.db.prepare(
        `SELECT next_offset FROM g${g}_offsets WHERE topic = ? AND partition = ?`,
      ),
      insertOffset: this.db.prepare(
        `INSERT INTO g${g}_offsets (topic, partition, next_offset) VALUES (?, ?, ?)`,
      ),
      updateOffset: this.db.prepare(
        `UPDATE g${g}_offsets SET next_offset = ? WHERE topic = ? AND partition = ?`,
      ),
      // One statement for a whole batch's ids: one call into SQLite, not one per account.
      accounts: this.db.prepare(
        `SELECT ${ACCOUNT_COLS} FROM g${g}_accounts WHERE account_id IN (SELECT value FROM json_each(?))`,
      ),
      upsertAccounts: new MultiRowInsert(
        this.db,
        `INSERT INTO g${g}_accounts (${ACCOUNT_COLS}) VALUES`,
        13,
        `ON CONFLICT (account_id) DO UPDATE SET balance = excluded.balance, version = excluded.version,
           status = excluded.status, updated_at = excluded.updated_at, closed_at = excluded.closed_at,
           held = excluded.held, unsettled = excluded.unsettled,
           reservations = excluded.reservations`,
      ),
      insertHistory: new MultiRowInsert(
        this.db,
        `INSERT INTO g${g}_balance_history (${HISTORY_COLS}) VALUES`,
        7,
      ),
    };
  }

  private prepareQueries() {
    return {
      active: this.db.prepare(`SELECT value FROM projector_meta WHERE key = 'active_generation'`),
      account: this.db.prepare(`SELECT ${ACCOUNT_COLS} FROM accounts WHERE account_id = ?`),
      asOf: this.db.prepare(
        `SELECT ${HISTORY_COLS} FROM balance_history WHERE account_id = ? AND occurred_at <= ?
         ORDER BY occurred_at DESC, version DESC LIMIT 1`,
      ),
      history: this.db.prepare(
        `SELECT ${HISTORY_COLS} FROM balance_history WHERE account_id = ? AND version > ?
         ORDER BY version LIMIT ?`,
      ),
      list: this.db.prepare(
        `SELECT ${ACCOUNT_COLS} FROM accounts WHERE account_id > ? ORDER BY account_id LIMIT ?`,
      ),
      skips: this.db.prepare(
        `SELECT ${SKIP_COLS} FROM projector_skips WHERE topic = ? AND partition = ?`,
      ),
      addSkip: this.db.prepare(
        `INSERT OR REPLACE INTO projector_skips (${SKIP_COLS}) VALUES (?, ?, ?, ?, ?, ?)`,
      ),
    };
  }

  async loadOffsets(topic: string): Promise<ReadonlyMap<number, string>> {
    const rows = this.statements.offsets.all(topic) as { partition: number; next_offset: string }[];
    return new Map(rows.map((r) => [r.partition, r.next_offset]));
  }

  async loadAnchors(topic: string): Promise<ReadonlyMap<number, TopicAnchor>> {
    return ANCHORS.fromRows(this.db.prepare(ANCHORS.select).all(topic) as AnchorRow[]);
  }

  async saveAnchor(topic: string, partition: number, anchor: TopicAnchor): Promise<void> {
    this.db.prepare(ANCHORS.upsert).run(...ANCHORS.valuesOf(topic, partition, anchor));
  }

  async loadAccounts(ids: readonly string[]): Promise<ReadonlyMap<string, AccountRow>> {
    const found = new Map<string, AccountRow>();
    if (ids.length === 0) return found;
    for (const row of this.statements.accounts.all(JSON.stringify(ids)) as AccountRecord[])
      found.set(row.account_id, toAccount(row));
    return found;
  }

  /** One batch's rows and offset, inside the group's transaction; nothing when it is stale. */
  private commitOne(batch: BatchCommit): 'committed' | 'stale' {
    const s = this.statements;
    const stored = s.offset.get(batch.topic, batch.partition) as
      { next_offset: string } | undefined;
    if ((stored?.next_offset ?? '0') !== batch.fromOffset) return 'stale';
    const accounts: unknown[] = [];
    for (const a of batch.accounts) {
      accounts.push(a.accountId, a.owner, a.currency, a.overdraftLimit, a.balance, a.version);
      accounts.push(a.status, a.openedAt, a.updatedAt, a.closedAt, a.held, a.unsettled);
      accounts.push(reservationsOf(a));
    }
    s.upsertAccounts.run(accounts);
    // In key order (account, version): once indexed (or keyed, in an older generation), each
    // B-tree page is visited once per batch, not once per row. Rows of one account are already in
    // version order (the fold applies them in order).
    const history: unknown[] = [];
    for (const h of inKeyOrder(batch.history)) {
      history.push(h.accountId, h.version, h.eventId, h.eventType, h.amount, h.balanceAfter);
      history.push(h.occurredAt);
    }
    s.insertHistory.run(history);
    if (stored === undefined) s.insertOffset.run(batch.topic, batch.partition, batch.nextOffset);
    else s.updateOffset.run(batch.nextOffset, batch.topic, batch.partition);
    return 'committed';
  }

  private readonly commitAllTx = (batches: readonly BatchCommit[]): ('committed' | 'stale')[] => {
    if (this.followsActive && this.activeNow() !== this.gen) {
      return batches.map(() => 'stale');
    }
    return batches.map((batch) => this.commitOne(batch));
  };

  /** Grouped with the other partitions' batches of the same fetch (CommitGroup). */
  async commit(batch: BatchCommit): Promise<'committed' | 'stale'> {
    return this.group.commit(batch);
  }

  async commitAll(batches: readonly BatchCommit[]): Promise<('committed' | 'stale')[]> {
    return this.db.transaction(this.commitAllTx).immediate(batches);
  }

  /** readActive with a kept statement: it runs per batch, and preparing cost more than reading. */
  private activeNow(): number {
    const row = this.queries.active.get() as { value: string } | undefined;
    return Number(row?.value ?? 1);
  }

  async refreshGeneration(): Promise<number> {
    const active = this.activeNow();
    if (this.followsActive && active !== this.gen) {
      this.gen = active;
      this.statements = this.prepare();
    }
    return this.gen;
  }

  async getAccount(accountId: string): Promise<AccountRow | undefined> {
    const row = this.queries.account.get(accountId) as AccountRecord | undefined;
    return row && toAccount(row);
  }

  async balanceAsOf(accountId: string, at: number): Promise<HistoryRow | undefined> {
    const row = this.queries.asOf.get(accountId, at) as HistoryRecord | undefined;
    return row && toHistory(row);
  }

  async history(accountId: string, afterVersion: number, limit: number): Promise<Page<HistoryRow>> {
    const rows = this.queries.history.all(accountId, afterVersion, limit + 1) as HistoryRecord[];
    const items = rows.slice(0, limit).map(toHistory);
    return { items, next: rows.length > limit ? String(items.at(-1)?.version) : null };
  }

  async listAccounts(after: string | null, limit: number): Promise<Page<AccountRow>> {
    const rows = this.queries.list.all(after ?? '', limit + 1) as AccountRecord[];
    const items = rows.slice(0, limit).map(toAccount);
    return { items, next: rows.length > limit ? (items.at(-1)?.accountId ?? null) : null };
  }

  async dump(): Promise<{ accounts: AccountRow[]; history: HistoryRow[] }> {
    const g = this.gen;
    const accounts = this.db
      .prepare(`SELECT ${ACCOUNT_COLS} FROM g${g}_accounts ORDER BY account_id`)
      .all() as AccountRecord[];
    const history = this.db
      .prepare(`SELECT ${HISTORY_COLS} FROM g${g}_balance_history ORDER BY account_id, version`)
      .all() as HistoryRecord[];
    return { accounts: accounts.map(toAccount), history: history.map(toHistory) };
  }

  async recordSkip(skip: Omit<Skip, 'createdAt'> & { createdAt?: number }): Promise<void> {
    this.queries.addSkip.run(skipValues(skip));
  }

  async skips(topic: string, partition: number): Promise<readonly Skip[]> {
    return (this.queries.skips.all(topic, partition) as Record<string, unknown>[]).map(toSkip);
  }

  async createGeneration(): Promise<ReadModelStore> {
    const g = this.db
      .transaction(() => {
        const row = this.db
          .prepare(`SELECT value FROM projector_meta WHERE key = 'max_generation'`)
          .get() as { value: string } | undefined;
        const next = Math.max(Number(row?.value ?? 1), readActive(this.db)) + 1;
        this.db
          .prepare(
            `INSERT OR REPLACE INTO projector_meta (key, value) VALUES ('max_generation', ?)`,
          )
          .run(String(next));
        createTables(this.db, next);
        return next;
      })
      .immediate();
    return new SqliteStore(this.db, g, false);
  }

  async buildQueryIndexes(): Promise<void> {
    createQueryIndexes(this.db, this.gen);
  }

  async activate(): Promise<void> {
    createQueryIndexes(this.db, this.gen);
    this.db
      .transaction(() => {
        this.db
          .prepare(`UPDATE projector_meta SET value = ? WHERE key = 'active_generation'`)
          .run(String(this.gen));
        swapViews(this.db, this.gen);
      })
      .immediate();
  }

  async dropInactive(): Promise<number[]> {
    const active = readActive(this.db);
    const tables = this.db
      .prepare(
        `SELECT name FROM sqlite_master WHERE type = 'table' AND name GLOB 'g[0-9]*_offsets'`,
      )
      .all() as { name: string }[];
    const dropped = tables
      .map((t) => Number(/^g(\d+)_/.exec(t.name)?.[1]))
      .filter((g) => g !== active);
    for (const g of dropped) {
      this.db.exec(`DROP TABLE IF EXISTS g${g}_accounts; DROP TABLE IF EXISTS g${g}_balance_history;
        DROP TABLE IF EXISTS g${g}_offsets;`);
    }
    return dropped;
  }

  async activeGeneration(): Promise<number> {
    return Number((this.queries.active.get() as { value: string }).value);
  }

  async ping(): Promise<void> {
    this.db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    if (this.followsActive && this.db.open) this.db.close();
  }
}
