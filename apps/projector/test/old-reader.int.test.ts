// A projector built before the transfer and hold event types (ADR 0007, section 9) meets them on
// the topic: it halts that partition loudly with UNKNOWN_EVENT_TYPE (readiness and the halt
// metric name it), goes on with its other partitions, and once upgraded resumes at the halted
// record, applying every later event once. Real broker, registry and SQLite read model.
//
// The build before transfers read the topic with the four account-event schemas it shipped
// (AccountOpened, MoneyDeposited, MoneyWithdrawn, AccountClosed; their .avsc files are unchanged
// since) through the same decode path: the registry's writer schema is looked up among the
// local records by full name. A serde given exactly those four schemas is that reader.
import { randomUUID } from 'node:crypto';
import { AccountEventSerde, loadSchemas } from '@tally/events';
import { uniqueName, waitUntil } from '@tally/kafka/testing';
import type { AccountEvent } from '@tally/ledger';
import { createMetricsRegistry, runReadinessChecks } from '@tally/service';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProjectorMetrics, type ProjectorMetrics } from '../src/metrics.js';
import { balancesReadModel, type BalancesReadModel } from '../src/read-model.js';
import type { ReadModelStore } from '../src/store/types.js';
import { deposited, eventsTopic, opened, registryUrl, storeFactories } from './support.js';

const PRE_TRANSFER_TYPES = ['AccountOpened', 'AccountClosed', 'MoneyDeposited', 'MoneyWithdrawn'];
const sqlite = storeFactories.find((f) => f.name === 'sqlite');
if (sqlite === undefined) throw new Error('no SQLite store factory');

const transferId = randomUUID();
/** A transfer of 300 from a to b, all three steps, on partition 0 (where both accounts are). */
const transfer = (type: AccountEvent['type'], accountId: string, version: number) =>
  ({
    ...deposited(accountId, version, 300),
    type,
    transferId,
    ...(type === 'TransferCredited' ? { fromAccountId: 'a' } : { toAccountId: 'b' }),
  }) as AccountEvent;

async function haltSeries(metrics: ProjectorMetrics) {
  const halted = await metrics.registry.getSingleMetric('tally_partition_halted')?.get();
  return (halted?.values ?? []).filter((v) => v.value === 1).map((v) => v.labels);
}

describe('a projector built before transfers and holds meets them (readers first)', () => {
  let topic: Awaited<ReturnType<typeof eventsTopic>>;
  let store: ReadModelStore;
  let cleanup: () => Promise<void>;
  const groupId = uniqueName('projector-old-reader');
  const running: BalancesReadModel[] = [];

  const startReader = (serde: AccountEventSerde, metrics: ProjectorMetrics) => {
    const model = balancesReadModel({
      kafka: topic.kafka,
      topic: topic.topic,
      groupId,
      store,
      serde,
      metrics,
      pollMs: 200,
    });
    running.push(model);
    return model;
  };

  beforeAll(async () => {
    topic = await eventsTopic(2);
    ({ store, cleanup } = await sqlite.create());
  });
  afterAll(async () => {
    for (const model of running) await model.stop();
    await cleanup?.();
    await topic?.close();
  });

  it('halts the partition with UNKNOWN_EVENT_TYPE, then the upgraded build resumes exactly once', async () => {
    const oldSchemas = loadSchemas().filter((s) => PRE_TRANSFER_TYPES.includes(s.name));
    expect(oldSchemas.map((s) => s.name).sort()).toEqual([...PRE_TRANSFER_TYPES].sort());
    const oldSerde = await AccountEventSerde.connect({
      registryUrl,
      topic: topic.topic,
      schemas: oldSchemas,
    });

    // Partition 0: a and b, then a transfer between them and a deposit after it. Partition 1: c.
    await topic.send(
      [opened('a'), deposited('a', 2, 1_000), opened('b'), deposited('b', 2, 50)],
      0,
    );
    await topic.send([opened('c'), deposited('c', 2, 70)], 1);
    await topic.send(
      [
        transfer('TransferDebited', 'a', 3),
        transfer('TransferCredited', 'b', 3),
        transfer('TransferCompleted', 'a', 4),
        deposited('a', 5, 5),
      ],
      0,
    );

    const oldMetrics = createProjectorMetrics(createMetricsRegistry('projector'));
    const old = startReader(oldSerde, oldMetrics);
    await old.start();
    await waitUntil('the old build halts', () => old.halts().length > 0, 60_000, 50);
    expect(old.halts()).toEqual([
      expect.objectContaining({
        partition: 0,
        offset: '4',
        reason: 'undecodable:UNKNOWN_EVENT_TYPE',
        detail: expect.stringMatching(
          /tally\.account\.TransferDebited, not an account event type this build knows: deploy a reader built with it/,
        ),
      }),
    ]);
    const { ready, checks } = await runReadinessChecks(old.readiness());
    expect(ready).toBe(false);
    expect(checks['partitions']).toMatch(
      /partition 0 halted at offset 4: undecodable:UNKNOWN_EVENT_TYPE/,
    );
    expect(await haltSeries(oldMetrics)).toEqual([
      expect.objectContaining({
        partition: '0',
        offset: '4',
        reason: 'undecodable:UNKNOWN_EVENT_TYPE',
      }),
    ]);
    // Everything before the halted record is applied, nothing after it; the other partition
    // goes on (a deposit written to it during the halt arrives).
    expect((await store.getAccount('a'))?.balance).toBe(1_000);
    expect((await store.getAccount('b'))?.balance).toBe(50);
    await topic.send([deposited('c', 3, 7)], 1);
    await waitUntil(
      'partition 1 goes on',
      async () => (await store.getAccount('c'))?.version === 3,
      60_000,
      50,
    );
    expect(old.halts().map((h) => h.partition)).toEqual([0]);

    // Upgrade: the old build stops, the build that knows the types starts on the same store and
    // consumer group (as a rolling deploy would).
    await old.stop();
    const newMetrics = createProjectorMetrics(createMetricsRegistry('projector'));
    const upgraded = startReader(topic.serde, newMetrics);
    await upgraded.start();
    await waitUntil(
      'the upgraded build catches up',
      async () => (await store.getAccount('a'))?.version === 5,
      60_000,
      50,
    );
    await waitUntil('b credited', async () => (await store.getAccount('b'))?.version === 3);
    expect(upgraded.halts()).toEqual([]);
    expect((await runReadinessChecks(upgraded.readiness())).checks['partitions']).toBe('ok');
    expect(await haltSeries(newMetrics)).toEqual([]);

    // Exactly once: balances to the minor unit, versions 1..n each once in the history, and the
    // upgraded build applied the four records from the halt on (none of the earlier ones again).
    expect(await store.getAccount('a')).toMatchObject({ balance: 705, version: 5, unsettled: 0 });
    expect(await store.getAccount('b')).toMatchObject({ balance: 350, version: 3 });
    expect(await store.getAccount('c')).toMatchObject({ balance: 77, version: 3 });
    const { history } = await store.dump();
    for (const [accountId, versions] of [
      ['a', [1, 2, 3, 4, 5]],
      ['b', [1, 2, 3]],
      ['c', [1, 2, 3]],
    ] as const) {
      expect(history.filter((h) => h.accountId === accountId).map((h) => h.version)).toEqual(
        versions,
      );
    }
    const applied = await newMetrics.eventsApplied.get();
    expect(applied.values.reduce((sum, v) => sum + v.value, 0)).toBe(4);
    const duplicates = await newMetrics.duplicates.get();
    expect(duplicates.values.reduce((sum, v) => sum + v.value, 0)).toBe(0);
  });
});
