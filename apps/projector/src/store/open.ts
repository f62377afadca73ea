import { PostgresStore } from './postgres.js';
import { SqliteStore } from './sqlite.js';
import type { ReadModelStore } from './types.js';

export interface StoreConfig {
  readonly DATABASE_URL?: string | undefined;
  readonly PROJECTOR_SQLITE_PATH: string;
}

/** PostgreSQL when DATABASE_URL is set, else the SQLite file. */
export async function openStore(config: StoreConfig): Promise<ReadModelStore> {
  return config.DATABASE_URL
    ? PostgresStore.open(config.DATABASE_URL)
    : SqliteStore.open(config.PROJECTOR_SQLITE_PATH);
}
