import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { KafkaAdmin, RangeReader } from '@tally/kafka';
import type { Logger } from '@tally/service';
import { BulkLoads, type BulkLoadPhases } from './bulk-loads.js';
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
  /** Worker threads for restores into empty stores (default 1). */
  readonly loadThreads?: number;
}

export interface RestoreReport {
  readonly partition: number;
  readonly from: bigint;
  readonly to: bigint;
  readonly records: number;
  readonly ms: number;
  /** Where a restore into an empty store spent its time writing. */
  readonly load?: BulkLoadPhases;
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
  private readonly loads: BulkLoads;
  /** The restore in progress per partition: a new one waits for it (they share files). */
  private readonly restoring = new Map<number, Promise<void>>();
  /** The last restore of each partition, for logs and tests. */
  readonly restores = new Map<number, RestoreReport>();

  constructor(private readonly options: PartitionStatesOptions) {
    this.dir = join(options.dir, options.changelogTopic);
    this.loads = new BulkLoads(options.loadThreads);
  }

  store(partition: number): PartitionStore {
    const store = this.stores.get(partition);
    if (store === undefined) throw new Error(`partition ${partition} is not restored here`);
    return store;
  }

  /** Brings the partition's store up to the changelog's end offset (taken after fencing). */
  restore(partition: number): Promise<void> {
    const previous = this.restoring.get(partition) ?? Promise.resolve();
    const restore = previous.catch(() => undefined).then(() => this.restoreNow(partition));
    this.restoring.set(partition, restore);
    void restore
      .catch(() => undefined)
      .finally(() => {
        if (this.restoring.get(partition) === restore) this.restoring.delete(partition);
      });
    return restore;
  }

  private async restoreNow(partition: number): Promise<void> {
    const started = performance.now();
    this.close(partition);
    const offsets = await this.options.admin.fetchTopicOffsets(this.options.changelogTopic);
    const entry = offsets.find((o) => o.partition === partition);
    if (entry === undefined) throw new Error(`changelog has no partition ${partition}`);
    const end = BigInt(entry.offset);
    const low = BigInt(entry.low);
    const { cacheEntries } = this.options;
    let store = PartitionStore.open(this.dir, partition, cacheEntries);
    let from = store?.checkpoint() ?? low;
    if (store !== undefined && (from < low || from > end)) {
      // Records below the log start are gone, or the topic is not the one this file followed.
      this.options.logger?.warn(
        { partition, checkpoint: `${from}`, low: `${low}`, end: `${end}` },
        'state store does not fit the changelog; restoring it from scratch',
      );
      store.close();
      PartitionStore.remove(this.dir, partition);
      store = undefined;
      from = low;
    }
    let restored: { records: number; load?: BulkLoadPhases };
    if (store === undefined) {
      restored = await this.load(partition, from, end);
      store = PartitionStore.open(this.dir, partition, cacheEntries);
      if (store === undefined)
        throw new Error(`partition ${partition}: the restored store is gone`);
    } else {
      restored = { records: await this.catchUp(store, partition, from, end) };
    }
    this.stores.set(partition, store);
    const report = { partition, from, to: end, ...restored, ms: performance.now() - started };
    this.restores.set(partition, report);
    this.options.logger?.info(
      { ...report, from: `${from}`, to: `${end}` },
      'partition state restored',
    );
  }

  /** An empty or lost store: the changelog's live entries, bulk-loaded into a new file. */
  private async load(
    partition: number,
    from: bigint,
    end: bigint,
  ): Promise<{ records: number; load?: BulkLoadPhases }> {
    if (from >= end) {
      PartitionStore.create(this.dir, partition, end, this.options.cacheEntries).close();
      return { records: 0 };
    }
    mkdirSync(this.dir, { recursive: true });
    const path = PartitionStore.loadingPathOf(this.dir, partition);
    const load = await this.loads.open(path, PartitionStore.bulkLoad);
    let phases: BulkLoadPhases | undefined;
    try {
      await this.options.reader.read(partition, from, end, (records) => load.append(records));
      phases = await load.finish(end);
    } catch (error) {
      await load.abort();
      PartitionStore.remove(this.dir, partition);
      throw error;
    }
    PartitionStore.install(this.dir, partition);
    return phases === undefined
      ? { records: load.records }
      : { records: load.records, load: phases };
  }

  /** A store of its own: only what others wrote since its checkpoint, usually nothing. */
  private async catchUp(
    store: PartitionStore,
    partition: number,
    from: bigint,
    end: bigint,
  ): Promise<number> {
    let records = 0;
    try {
      store.restoring(true);
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
    return records;
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
