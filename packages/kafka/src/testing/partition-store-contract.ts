import assert from 'node:assert/strict';
import type { PartitionStore } from '../partition-consumer.js';
import type { KafkaRecord } from '../types.js';

/** What the contract needs of one PartitionStore implementation. */
export interface PartitionStoreFixture {
  /** A store over an empty database. */
  readonly store: PartitionStore;
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
        const messages = await f.records(0, 0, 3);
        const result = await f.store.applyBatch({
          topic: TOPIC,
          partition: 0,
          fromOffset: '0',
          messages,
          nextOffset: '3',
        });
        assert.deepEqual(result, { kind: 'applied', nextOffset: '3', applied: 3 });
        assert.deepEqual(await f.store.loadOffsets(TOPIC), new Map([[0, '3']]));
      }),
    },
    {
      name: 'refuses a batch that does not continue from the stored offset, and writes nothing',
      run: withFixture(async (f) => {
        const first = await f.records(0, 0, 2);
        const batch = {
          topic: TOPIC,
          partition: 0,
          fromOffset: '0',
          messages: first,
          nextOffset: '2',
        };
        assert.equal((await f.store.applyBatch(batch)).kind, 'applied');
        // The same batch again: a redelivery after a crash, or another instance (fenced).
        assert.deepEqual(await f.store.applyBatch(batch), { kind: 'reload' });
        assert.deepEqual(await f.store.loadOffsets(TOPIC), new Map([[0, '2']]));
        const next = await f.records(0, 2, 1);
        const result = await f.store.applyBatch({
          ...batch,
          fromOffset: '2',
          messages: next,
          nextOffset: '3',
        });
        assert.deepEqual(result, { kind: 'applied', nextOffset: '3', applied: 1 });
      }),
    },
    {
      name: 'moves past a batch of transaction markers only (no records)',
      run: withFixture(async (f) => {
        const result = await f.store.applyBatch({
          topic: TOPIC,
          partition: 0,
          fromOffset: '0',
          messages: [],
          nextOffset: '2',
        });
        assert.deepEqual(result, { kind: 'applied', nextOffset: '2', applied: 0 });
        assert.deepEqual(await f.store.loadOffsets(TOPIC), new Map([[0, '2']]));
      }),
    },
    {
      name: 'keeps the offsets of partitions and topics apart',
      run: withFixture(async (f) => {
        const apply = async (topic: string, partition: number, count: number) =>
          f.store.applyBatch({
            topic,
            partition,
            fromOffset: '0',
            messages: await f.records(partition, 0, count),
            nextOffset: String(count),
          });
        await apply(TOPIC, 0, 2);
        await apply(TOPIC, 1, 1);
        await apply('contract.other', 0, 3);
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
      name: 'never passes over a record it cannot read without a trace',
      run: withFixture(async (f) => {
        const messages = [
          ...(await f.records(0, 0, 1)),
          f.poison(1),
          ...(await f.records(0, 2, 1)),
        ];
        const result = await f.store.applyBatch({
          topic: TOPIC,
          partition: 0,
          fromOffset: '0',
          messages,
          nextOffset: '3',
        });
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
