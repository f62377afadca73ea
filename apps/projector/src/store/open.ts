import { openStore } from '@tally/service';
import { PostgresStore } from './postgres.js';
import { SqliteStore } from './sqlite.js';
import type { ReadModelStore } from './types.js';

/** PostgreSQL when DATABASE_URL is set, else the SQLite file. */
export function openReadModelStore(config: {
  readonly DATABASE_URL?: string | undefined;
  readonly PROJECTOR_SQLITE_PATH: string;
}): Promise<ReadModelStore> {
  return openStore<ReadModelStore>(config.DATABASE_URL, config.PROJECTOR_SQLITE_PATH, {
    postgres: (url) => PostgresStore.open(url),
    sqlite: (path) => SqliteStore.open(path),
  });
}
