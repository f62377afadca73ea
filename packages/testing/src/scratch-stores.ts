import { join } from 'node:path';
import { scratchDatabase, scratchDir } from './scratch.js';

/** A store over an empty database of its own, the env that points a service at it, a cleanup. */
export interface ScratchStore<Store> {
  readonly store: Store;
  readonly env: Record<string, string>;
  cleanup(): Promise<void>;
}

export interface ScratchStoreFactory<Store> {
  readonly name: 'sqlite' | 'postgres';
  create(): Promise<ScratchStore<Store>>;
}

/**
 * One factory per database a service supports: a SQLite file in a scratch folder (its path in
 * `sqliteVar`) and a scratch PostgreSQL database (DATABASE_URL). Tests run `describe.each` over it.
 */
export function scratchStores<Store extends { close(): Promise<void> }>(
  prefix: string,
  sqliteVar: string,
  open: {
    readonly sqlite: (path: string) => Store | Promise<Store>;
    readonly postgres: (url: string) => Promise<Store>;
  },
): ScratchStoreFactory<Store>[] {
  return [
    {
      name: 'sqlite',
      async create() {
        const folder = scratchDir(prefix);
        const path = join(folder.dir, 'store.sqlite');
        const store = await open.sqlite(path);
        return {
          store,
          env: { [sqliteVar]: path },
          cleanup: async () => {
            await store.close();
            folder.remove();
          },
        };
      },
    },
    {
      name: 'postgres',
      async create() {
        const database = await scratchDatabase(prefix.replaceAll('-', '_'));
        const store = await open.postgres(database.url);
        return {
          store,
          env: { DATABASE_URL: database.url },
          cleanup: async () => {
            await store.close();
            await database.drop();
          },
        };
      },
    },
  ];
}
