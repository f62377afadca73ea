import { openStore, type StoreOpeners } from '@tally/service';
import type { AuditConfig } from '../config.js';
import { PostgresAuditStore } from './postgres.js';
import { SqliteAuditStore } from './sqlite.js';
import type { AuditStore } from './types.js';

const open: StoreOpeners<AuditStore> = {
  postgres: PostgresAuditStore.open,
  sqlite: SqliteAuditStore.open,
};

/** The audit log in PostgreSQL when DATABASE_URL is set, else in the SQLite file. */
export const openAuditStore = (config: AuditConfig): Promise<AuditStore> =>
  openStore(config.DATABASE_URL, config.AUDIT_SQLITE_PATH, open);
