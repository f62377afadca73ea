import { openStore } from '@tally/service';
import { PostgresAuditStore } from './postgres.js';
import { SqliteAuditStore } from './sqlite.js';
import type { AuditStore } from './types.js';

/** PostgreSQL when DATABASE_URL is set, else the SQLite file. */
export function openAuditStore(config: {
  readonly DATABASE_URL?: string | undefined;
  readonly AUDIT_SQLITE_PATH: string;
}): Promise<AuditStore> {
  return openStore<AuditStore>(config.DATABASE_URL, config.AUDIT_SQLITE_PATH, {
    postgres: (url) => PostgresAuditStore.open(url),
    sqlite: (path) => SqliteAuditStore.open(path),
  });
}
