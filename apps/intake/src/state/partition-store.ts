import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { LRUCache } from 'lru-cache';
import type { BulkLoadSql } from './bulk-loads.js';

/** One stored entry: kinds such as 'account' or 'command' share one key/value table. */
export interface StateEntry {
  readonly value: string;
  /** Epoch ms after which the entry no longer counts (and is deleted), or null: kept. */
  readonly expiresAt: number | null;
}

/** A change to apply: a value to keep, or null to delete the entry. */
export interface StateChange {
  readonly kind: string;
  readonly key: string;
  readonly value: string | null;
  readonly expiresAt?: number | null;
}

interface Row {
  value: string;
  expires_at: number | null;
}

const MISSING = Symbol('missing');

/** The file layout; a file of another layout is wiped and restored. */
const LAYOUT = 2;

// An entry's id is the changelog key, `<kind>/<key>`, so that a restore stores keys as it reads
// them. A rowid table with a unique index: values of a few hundred bytes make a WITHOUT ROWID
// table's B-tree deep, and restores (random keys) twice as slow. `value` is NULL only for a
// tombstone inside a bulk load, which drops them before it ends.
const TABLES = `
  CREATE TABLE IF NOT EXISTS entries (id TEXT NOT NULL, value TEXT, expires_at INTEGER);
  CREATE TABLE IF NOT EXISTS checkpoint (
    id INTEGER PRIMARY KEY CHECK (id = 1), next_offset TEXT NOT NULL);`;
const ID_INDEX = 'CREATE UNIQUE INDEX IF NOT EXISTS entries_id ON entries (id);';
const EXPIRY_INDEX =
  'CREATE INDEX IF NOT EXISTS entries_expiry ON entries (expires_at) WHERE expires_at IS NOT NULL;';
const SET_CHECKPOINT = 'INSERT OR REPLACE INTO checkpoint (id, next_offset) VALUES (1, ?)';

/**
 * A restore into an empty file: rows are appended without any index (no journal, no sync: a
 * crash leaves a file that is thrown away), then the last row of each id is kept, tombstones are
 * dropped and the indexes are built once, by sorting, which is several times faster than keeping
 * them up to date row by row. The checkpoint is written with full sync, so closing the file syncs
 * all of it to disk before it is moved into place.
 */
const BULK_LOAD: BulkLoadSql = {
  // Appending to a table without indexes touches its last pages only: 2 MiB of page cache, not
  // better-sqlite3's default 16 MiB, which every partition restored at once filled at 1,000,000
  // accounts and which stayed in the RSS after the load (malloc keeps a thread's freed memory).
  setup: `
    PRAGMA cache_size = -2048;
    PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA locking_mode = EXCLUSIVE;
    PRAGMA user_version = ${LAYOUT};
    ${TABLES}`,
  insert: 'INSERT INTO entries (id, value, expires_at) VALUES',
  // Ids and values arrive as UTF-8 bytes.
  row: '(CAST(? AS TEXT), CAST(? AS TEXT), ?)',
  // The sort of an index build spills to temporary files beyond this.
  index: `PRAGMA cache_size = -8192; ${ID_INDEX}`,
  dedupe: 'DELETE FROM entries WHERE rowid NOT IN (SELECT max(rowid) FROM entries GROUP BY id);',
  dropTombstones: 'DELETE FROM entries WHERE value IS NULL;',
  complete: `
    ${EXPIRY_INDEX}
    PRAGMA locking_mode = NORMAL; PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;`,
  checkpoint: SET_CHECKPOINT,
};

/**
 * The durable state of one partition in its own SQLite file: a general key/value table by kind
 * (accounts, idempotency records, transfers, holds) and the changelog offset it
 * reflects (the checkpoint), always written in the same SQLite transaction as the entries, so
 * the file is never ahead of or behind its checkpoint. A small LRU cache sits in front of reads.
 */
export class PartitionStore {
  private readonly db: Database.Database;
  private readonly cache: LRUCache<string, StateEntry | typeof MISSING>;
  private readonly statements;

  private constructor(
    readonly path: string,
    cacheEntries: number,
  ) {
    this.db = new Database(path);
    // WAL + NORMAL: a commit is atomic after a process crash; a power loss may lose the last
    // commits together with their checkpoint, and they are read again from the changelog.
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('cache_size = -2048'); // 2 MiB per partition: memory stays bounded
    this.db.exec(`PRAGMA user_version = ${LAYOUT}; ${TABLES} ${ID_INDEX} ${EXPIRY_INDEX}`);
    this.statements = {
      get: this.db.prepare<[string], Row>('SELECT value, expires_at FROM entries WHERE id = ?'),
      put: this.db.prepare<[string, string, number | null]>(
        'INSERT OR REPLACE INTO entries (id, value, expires_at) VALUES (?, ?, ?)',
      ),
      delete: this.db.prepare<[string]>('DELETE FROM entries WHERE id = ?'),
      expired: this.db.prepare<[number, number], { id: string }>(
        'SELECT id FROM entries WHERE expires_at IS NOT NULL AND expires_at <= ? ORDER BY expires_at LIMIT ?',
      ),
      upTo: this.db.prepare<[string, string, number], { id: string; value: string }>(
        'SELECT id, value FROM entries WHERE id >= ? AND id <= ? ORDER BY id LIMIT ?',
      ),
      count: this.db.prepare<[string, string], { n: number }>(
        'SELECT count(*) AS n FROM entries WHERE id >= ? AND id < ?',
      ),
      checkpoint: this.db.prepare<[], { next_offset: string }>(
        'SELECT next_offset FROM checkpoint',
      ),
      setCheckpoint: this.db.prepare<[string]>(SET_CHECKPOINT),
    };
    this.cache = new LRUCache({ max: cacheEntries });
  }

  /** The SQL of a bulk load into an empty file (see BulkLoads). */
  static readonly bulkLoad = BULK_LOAD;

  static pathOf(dir: string, partition: number): string {
    return join(dir, `partition-${partition}.sqlite`);
  }

  /** Where a bulk load writes until it is complete (then `install` moves it into place). */
  static loadingPathOf(dir: string, partition: number): string {
    return `${PartitionStore.pathOf(dir, partition)}.loading`;
  }

  /**
   * Opens the store of one partition under dir, or undefined when there is none. A file of
   * another layout, or one a bulk load never completed, counts as none (and is deleted).
   */
  static open(dir: string, partition: number, cacheEntries = 2_000): PartitionStore | undefined {
    PartitionStore.removeFiles(PartitionStore.loadingPathOf(dir, partition));
    const path = PartitionStore.pathOf(dir, partition);
    if (!existsSync(path)) return undefined;
    const probe = new Database(path);
    const layout = probe.pragma('user_version', { simple: true });
    probe.close();
    if (layout !== LAYOUT) {
      PartitionStore.remove(dir, partition);
      return undefined;
    }
    return new PartitionStore(path, cacheEntries);
  }

  /** Creates an empty store (checkpoint `next`) for a partition that has none. */
  static create(dir: string, partition: number, next: bigint, cacheEntries = 2_000) {
    mkdirSync(dir, { recursive: true });
    const store = new PartitionStore(PartitionStore.pathOf(dir, partition), cacheEntries);
    store.apply([], next);
    return store;
  }

  /** Moves a completed bulk load into place, replacing whatever store was there. */
  static install(dir: string, partition: number): void {
    PartitionStore.removeFiles(PartitionStore.pathOf(dir, partition));
    renameSync(PartitionStore.loadingPathOf(dir, partition), PartitionStore.pathOf(dir, partition));
  }

  /** Deletes the store's files (a lost or unusable disk): the next open finds none. */
  static remove(dir: string, partition: number): void {
    PartitionStore.removeFiles(PartitionStore.pathOf(dir, partition));
    PartitionStore.removeFiles(PartitionStore.loadingPathOf(dir, partition));
  }

  private static removeFiles(base: string): void {
    for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(base + suffix, { force: true });
  }

  /** The next changelog offset to read: everything below it is reflected here. */
  checkpoint(): bigint {
    const row = this.statements.checkpoint.get();
    return row === undefined ? 0n : BigInt(row.next_offset);
  }

  /** The entry unless absent or expired at `now`. */
  get(kind: string, key: string, now: number): StateEntry | undefined {
    const id = `${kind}/${key}`;
    let entry = this.cache.get(id);
    if (entry === undefined) {
      const row = this.statements.get.get(id);
      entry = row === undefined ? MISSING : { value: row.value, expiresAt: row.expires_at };
      this.cache.set(id, entry);
    }
    if (entry === MISSING) return undefined;
    return entry.expiresAt !== null && entry.expiresAt <= now ? undefined : entry;
  }

  /** Applies the changes and moves the checkpoint, in one SQLite transaction. */
  apply(changes: readonly StateChange[], checkpoint: bigint): void {
    this.db.transaction(() => {
      for (const change of changes) {
        const id = `${change.kind}/${change.key}`;
        if (change.value === null) this.statements.delete.run(id);
        else this.statements.put.run(id, change.value, change.expiresAt ?? null);
      }
      this.statements.setCheckpoint.run(checkpoint.toString());
    })();
    for (const change of changes) {
      const id = `${change.kind}/${change.key}`;
      if (change.value === null) this.cache.set(id, MISSING);
      else if (this.cache.has(id)) {
        this.cache.set(id, { value: change.value, expiresAt: change.expiresAt ?? null });
      }
    }
  }

  /**
   * While reading a tail of the changelog, commits skip the sync to disk: a process crash still
   * leaves whole transactions (WAL), and a power loss only means reading the tail again.
   */
  restoring(on: boolean): void {
    this.db.pragma(`synchronous = ${on ? 'OFF' : 'NORMAL'}`);
  }

  /** Up to `limit` entries whose time ran out at `now`, oldest first. */
  expired(now: number, limit: number): { kind: string; key: string }[] {
    return this.statements.expired.all(now, limit).map(({ id }) => {
      const slash = id.indexOf('/');
      return { kind: id.slice(0, slash), key: id.slice(slash + 1) };
    });
  }

  /**
   * Up to `limit` entries of a kind whose key sorts at or below `upTo`, in key order (an index
   * range: kinds whose keys start with a padded time, such as the holds by deadline).
   */
  upTo(kind: string, upTo: string, limit: number): { key: string; value: string }[] {
    return this.statements.upTo
      .all(`${kind}/`, `${kind}/${upTo}`, limit)
      .map(({ id, value }) => ({ key: id.slice(kind.length + 1), value }));
  }

  isOpen(): boolean {
    return this.db.open;
  }

  /** Entries of a kind (for tests and diagnostics). */
  count(kind: string): number {
    // Ids of a kind sort between `<kind>/` and `<kind>0` ('0' follows '/').
    return this.statements.count.get(`${kind}/`, `${kind}0`)?.n ?? 0;
  }

  close(): void {
    this.cache.clear();
    this.db.close();
  }
}
