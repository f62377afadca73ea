import { join } from 'node:path';
import type { KafkaAdmin, RangeReader } from '@tally/kafka';
import type { Logger } from '@tally/service';
import { changeOf } from './changelog.js';
import { PartitionStore } from './partition-store.js';

export interface PartitionStatesOptions {
  /** Where the partition files live; one folder per changelog topic. */
  readonly dir: string;
  readonly changelogTopic: string;
  readonly reader: RangeReader;
  readonly admin: KafkaAdmin;
  readonly logger?: Logger;
  readonly cacheEntries?: number;
}

export interface RestoreReport {
  readonly partition: number;
  readonly from: bigint;
  readonly to: bigint;
  readonly records: number;
  readonly ms: number;
}

/**
 * The stores of the partitions this instance owns. Taking a partition over restores its store
 * from the changelog: from its own checkpoint when the disk kept it (a restart reads only what
 * others wrote since), from the start of the compacted changelog when the disk is new or lost
 * (cost: the partition's live entries, not its history).
 */
export class PartitionStates {
  private readonly stores = new Map<number, PartitionStore>();
  private readonly dir: string;
  /** The last restore of each partition, for logs and tests. */
  readonly restores = new Map<number, RestoreReport>();

  constructor(private readonly options: PartitionStatesOptions) {
    this.dir = join(options.dir, options.changelogTopic);
  }

  store(partition: number): PartitionStore {
    const store = this.stores.get(partition);
    if (store === undefined) throw new Error(`partition ${partition} is not restored here`);
    return store;
  }

  /** Brings the partition's store up to the changelog's end offset (taken after fencing). */
  async restore(partition: number): Promise<void> {
    const started = performance.now();
    this.close(partition);
    const offsets = await this.options.admin.fetchTopicOffsets(this.options.changelogTopic);
    const entry = offsets.find((o) => o.partition === partition);
    if (entry === undefined) throw new Error(`changelog has no partition ${partition}`);
    const end = BigInt(entry.offset);
    const low = BigInt(entry.low);
    let store = PartitionStore.open(this.dir, partition, this.options.cacheEntries);
    let from = store.checkpoint();
    if (from < low || from > end) {
      // Records below the log start are gone, or the topic is not the one this file followed.
      this.options.logger?.warn(
        { partition, checkpoint: `${from}`, low: `${low}`, end: `${end}` },
        'state store does not fit the changelog; restoring it from scratch',
      );
      store.close();
      PartitionStore.remove(this.dir, partition);
      store = PartitionStore.open(this.dir, partition, this.options.cacheEntries);
      from = low;
    }
    let records = 0;
    try {
      store.restoring(true, store.isEmpty());
      await this.options.reader.read(partition, from, end, (messages, next) => {
        store.apply(messages.map(changeOf), next);
        records += messages.length;
      });
      if (store.checkpoint() < end) store.apply([], end);
      store.restoring(false);
    } catch (error) {
      store.close();
      throw error;
    }
    this.stores.set(partition, store);
    const report = { partition, from, to: end, records, ms: performance.now() - started };
    this.restores.set(partition, report);
    this.options.logger?.info(
      { ...report, from: `${from}`, to: `${end}` },
      'partition state restored',
    );
  }

  /** The partition moved away: stop any restore and close its file (kept for a later return). */
  release(partition: number): void {
    this.options.reader.cancel(partition);
    this.close(partition);
  }

  closeAll(): void {
    for (const partition of [...this.stores.keys()]) this.close(partition);
  }

  private close(partition: number): void {
    this.stores.get(partition)?.close();
    this.stores.delete(partition);
  }
}
