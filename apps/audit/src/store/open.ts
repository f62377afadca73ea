import { openStore } from '@tally/service';
import type { AuditConfig } from '../config.js';
import { PostgresAuditStore } from './postgres.js';
import { SqliteAuditStore } from './sqlite.js';
import type { AuditStore } from './types.js';

/** The audit log in PostgreSQL when DATABASE_URL is set, else in the SQLite file. */
export const openAuditStore = (
  config: Pick<
    AuditConfig,
    'DATABASE_URL' | 'AUDIT_SQLITE_PATH' | 'AUDIT_DB_MIGRATE' | 'AUDIT_DB_RUNTIME_ROLE'
  >,
): Promise<AuditStore> =>
  openStore<AuditStore>(config.DATABASE_URL, config.AUDIT_SQLITE_PATH, {
    postgres: (url) =>
      PostgresAuditStore.open(url, {
        migrate: config.AUDIT_DB_MIGRATE,
        runtimeRole: config.AUDIT_DB_RUNTIME_ROLE,
      }),
    sqlite: (path) => SqliteAuditStore.open(path, { migrate: config.AUDIT_DB_MIGRATE }),
  });
