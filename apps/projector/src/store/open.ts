import { openStore, type StoreOpeners } from '@tally/service';
import type { ProjectorConfig } from '../config.js';
import { PostgresStore } from './postgres.js';
import { SqliteStore } from './sqlite.js';
import type { ReadModelStore } from './types.js';

const open: StoreOpeners<ReadModelStore> = {
  postgres: PostgresStore.open,
  sqlite: SqliteStore.open,
};

/** The read model in PostgreSQL when DATABASE_URL is set, else in the SQLite file. */
export const openReadModelStore = (config: ProjectorConfig): Promise<ReadModelStore> =>
  openStore(config.DATABASE_URL, config.PROJECTOR_SQLITE_PATH, open);
