import { PostgresAuditStore } from './postgres.js';
import { SqliteAuditStore } from './sqlite.js';
import type { AuditStore } from './types.js';

export interface StoreConfig {
  readonly DATABASE_URL?: string | undefined;
  readonly AUDIT_SQLITE_PATH: string;
}

/** PostgreSQL when DATABASE_URL is set, else the SQLite file. */
export async function openAuditStore(config: StoreConfig): Promise<AuditStore> {
  return config.DATABASE_URL
    ? PostgresAuditStore.open(config.DATABASE_URL)
    : SqliteAuditStore.open(config.AUDIT_SQLITE_PATH);
}
