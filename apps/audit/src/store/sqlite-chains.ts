import Database from 'better-sqlite3';
import { ROW_COLUMNS, toEntryOfValues } from './rows.js';
import type { AuditStore, StoredEntry } from './types.js';

/**
 * Entries of one chain with afterSeq < seq <= toSeq, in seq order, read as raw rows (value lists,
 * no object with named keys per row): verification and the witness read every entry this way.
 */
export function prepareChainScan(db: Database.Database): AuditStore['scanChain'] {
  const rows = db
    .prepare<[string, number, number, number], unknown[]>(
      `SELECT ${ROW_COLUMNS} FROM audit_entries WHERE chain = ? AND seq > ? AND seq <= ?
       ORDER BY seq LIMIT ?`,
    )
    .raw(true);
  return async (chain, afterSeq, limit, toSeq = Number.MAX_SAFE_INTEGER): Promise<StoredEntry[]> =>
    rows.all(chain, afterSeq, toSeq, limit).map(toEntryOfValues);
}

/**
 * A read-only connection to a SQLite log that another connection opened (and migrated), for a
 * thread that only scans chains (a verification worker): it loads nothing of the writing side.
 */
export class SqliteChainReader {
  readonly scanChain: AuditStore['scanChain'];

  private constructor(private readonly db: Database.Database) {
    this.scanChain = prepareChainScan(db);
  }

  static open(path: string): SqliteChainReader {
    const db = new Database(path, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 5000');
    return new SqliteChainReader(db);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
