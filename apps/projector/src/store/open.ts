import { openStore } from '@tally/service';
import type { ProjectorConfig } from '../config.js';
import { PostgresStore } from './postgres.js';
import { SqliteStore } from './sqlite.js';
import type { ReadModelStore } from './types.js';

/**
 * The read model in PostgreSQL when DATABASE_URL is set (schema checked or created per
 * PROJECTOR_DB_MIGRATE), else in the SQLite file.
 */
export const openReadModelStore = (config: ProjectorConfig): Promise<ReadModelStore> =>
  openStore<ReadModelStore>(config.DATABASE_URL, config.PROJECTOR_SQLITE_PATH, {
    postgres: (url) =>
      PostgresStore.open(url, {
        migrate: config.PROJECTOR_DB_MIGRATE,
        runtimeRole: config.PROJECTOR_DB_RUNTIME_ROLE,
      }),
    sqlite: SqliteStore.open,
  });
