import { waitUntil } from '@tally/kafka/testing';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { PostgresStore } from '../src/store/postgres.js';
import { pgAdminUrl, pgDatabase } from './support.js';

describe('the PostgreSQL store when its idle connections are terminated', () => {
  it('keeps the process alive and connects anew for the next query', async () => {
    const database = await pgDatabase();
    const store = await PostgresStore.open(database.url);
    try {
      expect(await store.loadOffsets('some.topic')).toEqual(new Map());
      // What a server restart or an operator's pg_terminate_backend does to the idle pool clients.
      const admin = new pg.Client({ connectionString: pgAdminUrl });
      await admin.connect();
      try {
        const { rows } = await admin.query<{ terminated: boolean }>(
          'SELECT pg_terminate_backend(pid) AS terminated FROM pg_stat_activity WHERE datname = $1',
          [database.name],
        );
        expect(rows.length).toBeGreaterThan(0);
      } finally {
        await admin.end();
      }
      // Without a listener the pool's 'error' event would end the test process here. A query
      // that picked a terminated client before its error arrived fails; a later one connects anew.
      await waitUntil('a query succeeds on a new connection', () =>
        store.loadOffsets('some.topic').then(
          (offsets) => offsets.size === 0,
          () => false,
        ),
      );
    } finally {
      await store.close();
      await database.drop();
    }
  });
});
