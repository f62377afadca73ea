import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { LRUCache } from 'lru-cache';

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
const EXPIRY_INDEX =
  'CREATE INDEX IF NOT EXISTS entries_expiry ON entries (expires_at) WHERE expires_at IS NOT NULL;';

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
    this.db.exec(`
      -- A rowid table: values of a few hundred bytes make a WITHOUT ROWID table's B-tree deep,
      -- and restores (random keys) twice as slow.
      CREATE TABLE IF NOT EXISTS entries (
        kind TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, expires_at INTEGER,
        PRIMARY KEY (kind, key));
      ${EXPIRY_INDEX}
      CREATE TABLE IF NOT EXISTS checkpoint (id INTEGER PRIMARY KEY CHECK (id = 1), next_offset TEXT NOT NULL);
    `);
    this.statements = {
      get: this.db.prepare<[string, string], Row>(
        'SELECT value, expires_at FROM entries WHERE kind = ? AND key = ?',
      ),
      put: this.db.prepare<[string, string, string, number | null]>(
        'INSERT OR REPLACE INTO entries (kind, key, value, expires_at) VALUES (?, ?, ?, ?)',
      ),
      delete: this.db.prepare<[string, string]>('DELETE FROM entries WHERE kind = ? AND key = ?'),
      expired: this.db.prepare<[number, number], { kind: string; key: string }>(
        'SELECT kind, key FROM entries WHERE expires_at IS NOT NULL AND expires_at <= ? ORDER BY expires_at LIMIT ?',
      ),
      upTo: this.db.prepare<[string, string, number], { key: string; value: string }>(
        'SELECT key, value FROM entries WHERE kind = ? AND key <= ? ORDER BY key LIMIT ?',
      ),
      count: this.db.prepare<[string], { n: number }>(
        'SELECT count(*) AS n FROM entries WHERE kind = ?',
      ),
      checkpoint: this.db.prepare<[], { next_offset: string }>(
        'SELECT next_offset FROM checkpoint',
      ),
      setCheckpoint: this.db.prepare<[string]>(
        'INSERT OR REPLACE INTO checkpoint (id, next_offset) VALUES (1, ?)',
      ),
    };
    this.cache = new LRUCache({ max: cacheEntries });
  }

  /** Opens (or creates) the store of one partition under dir. */
  static open(dir: string, partition: number, cacheEntries = 2_000): PartitionStore {
    mkdirSync(dir, { recursive: true });
    return new PartitionStore(join(dir, `partition-${partition}.sqlite`), cacheEntries);
  }

  /** Deletes the store's files (a lost or unusable disk): the next open starts empty. */
  static remove(dir: string, partition: number): void {
    const base = join(dir, `partition-${partition}.sqlite`);
    for (const suffix of ['', '-wal', '-shm']) rmSync(base + suffix, { force: true });
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
      const row = this.statements.get.get(kind, key);
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
        if (change.value === null) this.statements.delete.run(change.kind, change.key);
        else {
          this.statements.put.run(change.kind, change.key, change.value, change.expiresAt ?? null);
        }
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
   * While restoring, commits skip the sync to disk: a process crash still leaves whole
   * transactions (WAL), and a power loss during a restore only means restoring again. A bulk
   * restore (into an empty store) also builds the expiry index once at the end, which is
   * faster than keeping it up to date row by row.
   */
  restoring(on: boolean, bulk = false): void {
    this.db.pragma(`synchronous = ${on ? 'OFF' : 'NORMAL'}`);
    if (on && bulk) this.db.exec('DROP INDEX IF EXISTS entries_expiry');
    if (!on) this.db.exec(EXPIRY_INDEX);
  }

  /** True when the store holds nothing and never checkpointed. */
  isEmpty(): boolean {
    return this.statements.checkpoint.get() === undefined;
  }

  /** Up to `limit` entries whose time ran out at `now`, oldest first. */
  expired(now: number, limit: number): { kind: string; key: string }[] {
    return this.statements.expired.all(now, limit);
  }

  /**
   * Up to `limit` entries of a kind whose key sorts at or below `upTo`, in key order (an index
   * range: kinds whose keys start with a padded time, such as the holds by deadline).
   */
  upTo(kind: string, upTo: string, limit: number): { key: string; value: string }[] {
    return this.statements.upTo.all(kind, upTo, limit);
  }

  isOpen(): boolean {
    return this.db.open;
  }

  count(kind: string): number {
    return this.statements.count.get(kind)?.n ?? 0;
  }

  close(): void {
    this.cache.clear();
    this.db.close();
  }
}
