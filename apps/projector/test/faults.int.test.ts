// The read model against faults that retrying cannot heal: data its database refuses for good, and
// stored offsets that do not fit the topic (deleted and created again). Real broker, registry and
// databases; each case on a topic and store of its own.
import { ensureAccountEventsTopic } from '@tally/events';
import { testKafka, uniqueName, waitUntil } from '@tally/kafka/testing';
import type { ReadModelService } from '@tally/kafka';
import { inTransaction, runReadinessChecks } from '@tally/service';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { balancesReadModel } from '../src/read-model.js';
import { deposited, eventsTopic, opened, pgDatabase, storeFactories } from './support.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

async function setUp(factory: (typeof storeFactories)[number]) {
  const topic = await eventsTopic(1);
  cleanups.push(() => topic.close());
  const { store, cleanup } = await factory.create();
  cleanups.push(cleanup);
  const failures: unknown[] = [];
  /** A read model on the topic and the store (a new one: a restart). */
  const start = (): ReadModelService => {
    const model = balancesReadModel({
      kafka: topic.kafka,
      topic: topic.topic,
      groupId: uniqueName('projector-faults'),
      store,
      serde: topic.serde,
      pollMs: 200,
      onFailure: (error) => failures.push(error),
    });
    cleanups.push(() => model.stop());
    return model;
  };
  return { topic, store, model: start(), failures, start };
}

const postgres = storeFactories.filter((f) => f.name === 'postgres');

describe.each(postgres)('data the database refuses for good ($name)', (factory) => {
  it('halts the partition at that record with the reason, after applying the ones before', async () => {
    const { topic, store, model } = await setUp(factory);
    // PostgreSQL text cannot hold U+0000 (SQLSTATE 22P05 or 22021): no retry can write it.
    await topic.send([
      opened('fine'),
      deposited('fine', 2, 500),
      opened('poisoned', undefined, 'Ada\u0000Lovelace'),
      deposited('fine', 3, 100),
    ]);
    await model.start();
    await waitUntil('a halt', () => model.halts().length > 0, 60_000, 50);
    const [halt] = model.halts();
    expect(halt).toMatchObject({ partition: 0, offset: '2' });
    expect(halt!.reason).toMatch(/^store-refused:22/);
    expect(halt!.detail).toMatch(/PostgreSQL refused the data/);
    expect((await store.getAccount('fine'))?.balance).toBe(500);
    expect(await store.getAccount('poisoned')).toBeUndefined();
    const { ready, checks } = await runReadinessChecks(model.readiness());
    expect(ready).toBe(false);
    expect(checks['partitions']).toMatch(/partition 0 halted at offset 2: store-refused:22/);
  });
});

describe.each(storeFactories)('stored offsets beyond the end of the topic ($name)', (factory) => {
  it('fail the consumer with the reason instead of reading from the beginning', async () => {
    const { topic, store, model, failures } = await setUp(factory);
    await topic.send([opened('a'), deposited('a', 2, 10)]);
    // What a store built from an older, longer topic of the same name holds.
    await store.commit({
      topic: topic.topic,
      partition: 0,
      fromOffset: '0',
      nextOffset: '500',
      accounts: [],
      history: [],
    });
    await model.start();
    await waitUntil('the failure', () => failures.length > 0, 60_000, 50);
    expect(String(failures[0])).toMatch(
      /is not the topic this read model was built from: partition 0: stored offset 500 is beyond its end 2/,
    );
    const { ready, checks } = await runReadinessChecks(model.readiness());
    expect(ready).toBe(false);
    expect(checks['consumers']).toMatch(/consumer crashed: .*beyond its end/);
    expect(await store.getAccount('a')).toBeUndefined();
  });
});

describe.each(storeFactories)('a topic deleted and created again ($name)', (factory) => {
  it('is refused once it grew past the stored offsets, with the reason', async () => {
    const { topic, store, model, failures, start } = await setUp(factory);
    await topic.send([opened('a'), deposited('a', 2, 10)]);
    await model.start();
    await waitUntil('caught up', async () => (await store.getAccount('a'))?.balance === 10);
    await model.stop();

    // Same name, new incarnation, more records than the model read of the old one.
    const admin = topic.kafka.admin();
    await admin.connect();
    cleanups.push(() => admin.disconnect());
    await admin.deleteTopics({ topics: [topic.topic] });
    await waitUntil(
      'the topic is gone',
      async () => !(await admin.listTopics()).includes(topic.topic),
    );
    await waitUntil('the topic is created again', async () =>
      ensureAccountEventsTopic(admin, { topic: topic.topic, partitions: 1, replicationFactor: 1 })
        .then((result) => result === 'created')
        .catch(() => false),
    );
    const producer = testKafka('projector-recreated').producer();
    await producer.connect();
    cleanups.push(() => producer.disconnect());
    // Records past the stored offset (2) that would apply cleanly: none may be applied.
    const events = [opened('b'), opened('c'), opened('d'), opened('e')];
    await producer.send({
      topic: topic.topic,
      messages: events.map((e) => ({ key: e.accountId, value: topic.serde.encode(e) })),
    });

    const again = start();
    await again.start();
    await waitUntil('the failure', () => failures.length > 0, 60_000, 50);
    expect(String(failures[0])).toMatch(
      /is not the topic this read model was built from: partition 0: its first record \(offset 0\) is not the one stamped/,
    );
    const { ready, checks } = await runReadinessChecks(again.readiness());
    expect(ready).toBe(false);
    expect(checks['consumers']).toMatch(/consumer crashed: .*its first record/);
    for (const id of ['b', 'c', 'd', 'e']) expect(await store.getAccount(id)).toBeUndefined();
  });
});

describe('a connection the server ends while a transaction holds it', () => {
  it('fails that transaction, never the process, and the pool goes on', async () => {
    const db = await pgDatabase();
    cleanups.push(() => db.drop());
    const pool = new pg.Pool({ connectionString: db.url });
    pool.on('error', () => undefined);
    cleanups.push(() => pool.end());
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    cleanups.push(() => admin.end());

    const attempt = inTransaction(
      () => pool.connect(),
      async (client) => {
        const ended = new Promise((resolve) => client.once('end', resolve));
        const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        // What a restart or an administrator does: the server ends the session (57P01).
        await admin.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
        await ended;
        await client.query('SELECT 1');
      },
    );
    await expect(attempt).rejects.toThrow();
    expect((await pool.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });
});
