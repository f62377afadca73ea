import assert from 'node:assert/strict';
import type { PartitionStore } from '../partition-consumer.js';
import type { TopicAnchorStore } from '../topic-anchor.js';
import { plainRecordScopes } from '../tracing.js';
import type { KafkaRecord } from '../types.js';

/** What the contract needs of one PartitionStore implementation. */
export interface PartitionStoreFixture {
  /** A store over an empty database. */
  readonly store: PartitionStore;
  /** Where the same database keeps each partition's topic anchor. */
  readonly anchors: TopicAnchorStore;
  /** `count` consecutive records the store applies, at offsets from `firstOffset`. */
  records(partition: number, firstOffset: number, count: number): Promise<KafkaRecord[]>;
  /** A record the store cannot read, at `offset`. */
  poison(offset: number): KafkaRecord;
  /** 'halt': the partition stops at a poison record; 'keep': it is kept (as an anomaly). */
  readonly onPoison: 'halt' | 'keep';
  cleanup(): Promise<void>;
}

export interface ContractCase {
  readonly name: string;
  readonly run: () => Promise<void>;
}

const TOPIC = 'contract.topic';

/** Applies records to a partition of a topic, continuing from `from`, up to `next`. */
const apply = (
  f: PartitionStoreFixture,
  partition: number,
  from: number,
  messages: readonly KafkaRecord[],
  next: number,
  topic = TOPIC,
) =>
  f.store.applyBatch({
    topic,
    partition,
    fromOffset: String(from),
    messages,
    nextOffset: String(next),
    scopes: plainRecordScopes,
  });

/**
 * The behaviour every PartitionStore promises the read-model skeleton, as cases a test file runs
 * for each implementation and database:
 *   for (const c of partitionStoreContract(open)) it(c.name, c.run);
 */
export function partitionStoreContract(open: () => Promise<PartitionStoreFixture>): ContractCase[] {
  const withFixture = (run: (f: PartitionStoreFixture) => Promise<void>) => async () => {
    const fixture = await open();
    try {
      await run(fixture);
    } finally {
      await fixture.cleanup();
    }
  };
  return [
    {
      name: 'a partition never applied is read from offset 0',
      run: withFixture(async ({ store }) => {
        assert.deepEqual(await store.loadOffsets(TOPIC), new Map());
      }),
    },
    {
      name: 'applies a batch and stores its next offset with it',
      run: withFixture(async (f) => {
        const result = await apply(f, 0, 0, await f.records(0, 0, 3), 3);
        assert.deepEqual(result, { kind: 'applied', nextOffset: '3', applied: 3 });
        assert.deepEqual(await f.store.loadOffsets(TOPIC), new Map([[0, '3']]));
      }),
    },
    {
      name: 'refuses a batch that does not continue from the stored offset, and writes nothing',
      run: withFixture(async (f) => {
        const first = await f.records(0, 0, 2);
        assert.equal((await apply(f, 0, 0, first, 2)).kind, 'applied');
        // The same batch again: a redelivery after a crash, or another instance (fenced).
        assert.deepEqual(await apply(f, 0, 0, first, 2), { kind: 'reload' });
        assert.deepEqual(await f.store.loadOffsets(TOPIC), new Map([[0, '2']]));
        const result = await apply(f, 0, 2, await f.records(0, 2, 1), 3);
        assert.deepEqual(result, { kind: 'applied', nextOffset: '3', applied: 1 });
      }),
    },
    {
      name: 'moves past a batch of transaction markers only (no records)',
      run: withFixture(async (f) => {
        const result = await apply(f, 0, 0, [], 2);
        assert.deepEqual(result, { kind: 'applied', nextOffset: '2', applied: 0 });
        assert.deepEqual(await f.store.loadOffsets(TOPIC), new Map([[0, '2']]));
      }),
    },
    {
      name: 'keeps the offsets of partitions and topics apart',
      run: withFixture(async (f) => {
        await apply(f, 0, 0, await f.records(0, 0, 2), 2);
        await apply(f, 1, 0, await f.records(1, 0, 1), 1);
        await apply(f, 0, 0, await f.records(0, 0, 3), 3, 'contract.other');
        assert.deepEqual(
          await f.store.loadOffsets(TOPIC),
          new Map([
            [0, '2'],
            [1, '1'],
          ]),
        );
        assert.deepEqual(await f.store.loadOffsets('contract.other'), new Map([[0, '3']]));
      }),
    },
    {
      name: "keeps each partition's topic anchor per topic, the latest one saved",
      run: withFixture(async (f) => {
        assert.deepEqual(await f.anchors.loadAnchors(TOPIC), new Map());
        const firstRecordAt = Date.parse('2026-11-30T20:45:17.248Z');
        await f.anchors.saveAnchor(TOPIC, 0, { offset: '0', timestamp: firstRecordAt });
        await f.anchors.saveAnchor(TOPIC, 1, { offset: '5', timestamp: firstRecordAt + 1 });
        await f.anchors.saveAnchor('contract.other', 0, { offset: '7', timestamp: 1 });
        // Taken again (retention moved the start, or the model starts from nothing).
        await f.anchors.saveAnchor(TOPIC, 0, { offset: '3', timestamp: firstRecordAt + 9 });
        assert.deepEqual(
          await f.anchors.loadAnchors(TOPIC),
          new Map([
            [0, { offset: '3', timestamp: firstRecordAt + 9 }],
            [1, { offset: '5', timestamp: firstRecordAt + 1 }],
          ]),
        );
      }),
    },
    {
      name: 'never passes over a record it cannot read without a trace',
      run: withFixture(async (f) => {
        const messages = [
          ...(await f.records(0, 0, 1)),
          f.poison(1),
          ...(await f.records(0, 2, 1)),
        ];
        const result = await apply(f, 0, 0, messages, 3);
        if (f.onPoison === 'halt') {
          assert.equal(result.kind, 'halted');
          assert.equal(result.kind === 'halted' && result.offset, '1');
          assert.equal(result.kind === 'halted' && result.applied, 1);
          // Stored at the poison record: a restart halts on it again.
          assert.deepEqual(await f.store.loadOffsets(TOPIC), new Map([[0, '1']]));
        } else {
          // Kept in the model as an entry of its own, so the batch goes on.
          assert.deepEqual(result, { kind: 'applied', nextOffset: '3', applied: 3 });
        }
      }),
    },
  ];
}
