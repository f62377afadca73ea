import type { Logger } from '@tally/service';
import type { Consumer, EachBatchPayload } from 'kafkajs';
import { kafkajsOf } from './client.js';
import type { KafkaClient, KafkaRecord } from './types.js';

export interface RangeReaderOptions {
  readonly kafka: KafkaClient;
  readonly topic: string;
  /** A group of its own (one member): kafkajs cannot assign partitions without a group. */
  readonly groupId: string;
  readonly logger?: Logger;
  /** Called when the consumer stopped for good. */
  readonly onFatal?: (error: unknown) => void;
  /** A read that makes no progress for this long fails (default 60 s). */
  readonly stallTimeoutMs?: number;
}

/** What a range read hands over, batch by batch, in offset order. */
export type RangeBatchHandler = (
  messages: readonly KafkaRecord[],
  /** The offset after this batch (transaction markers included): where a later read resumes. */
  nextOffset: bigint,
) => void | Promise<void>;

interface ActiveRead {
  readonly from: bigint;
  /** Where the read got to: a re-join seeks back here. */
  next: bigint;
  /** Fails the read when no batch arrives in time; reset by every batch. */
  watchdog: NodeJS.Timeout | undefined;
  readonly to: bigint;
  readonly onBatch: RangeBatchHandler;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Reads given offset ranges of given partitions of one topic, read_committed, on demand: the way a
 * state store is restored from its changelog. One consumer, every partition paused except those
 * being read, so a restore costs a seek rather than a group join.
 */
export class RangeReader {
  private readonly consumer: Consumer;
  private readonly active = new Map<number, ActiveRead>();
  private stoppedBy: unknown;

  constructor(private readonly options: RangeReaderOptions) {
    this.consumer = kafkajsOf(options.kafka).consumer({
      groupId: options.groupId,
      readUncommitted: false,
      maxWaitTimeInMs: 100,
      // Small fetches: a restore is bound by applying records, and memory stays flat.
      maxBytesPerPartition: 1024 * 1024,
      maxBytes: 4 * 1024 * 1024,
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
    });
    this.consumer.on(this.consumer.events.CRASH, ({ payload }) => {
      if (payload.restart) return;
      this.stoppedBy = payload.error ?? new Error('range reader crashed');
      for (const read of this.active.values()) read.reject(this.stoppedBy);
      this.active.clear();
      this.options.onFatal?.(this.stoppedBy);
    });
    // Every join (the first, and after kafkajs restarted a crashed consumer): only active reads
    // fetch, each from where it got.
    this.consumer.on(this.consumer.events.GROUP_JOIN, ({ payload }) => {
      const { topic } = this.options;
      const assigned = payload.memberAssignment[topic] ?? [];
      const idle = assigned.filter((p) => !this.active.has(p));
      if (idle.length > 0) this.consumer.pause([{ topic, partitions: idle }]);
      for (const [partition, read] of this.active) this.position(partition, read.next);
    });
    // Fires for every fetched batch, also one that holds only transaction markers.
    this.consumer.on(this.consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      const read = this.active.get(payload.partition);
      const next = BigInt(payload.lastOffset) + 1n;
      if (read !== undefined && next > read.from && next >= read.to) this.finish(payload.partition);
    });
  }

  async start(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.options.topic, fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: 2,
      eachBatch: (payload) => this.eachBatch(payload),
    });
  }

  async stop(): Promise<void> {
    for (const read of this.active.values()) read.reject(new Error('range reader stopped'));
    this.active.clear();
    await this.consumer.disconnect();
  }

  /** Reads [from, to) of the partition; resolves once everything below `to` was handed over. */
  read(partition: number, from: bigint, to: bigint, onBatch: RangeBatchHandler): Promise<void> {
    if (this.stoppedBy !== undefined) return Promise.reject(this.stoppedBy);
    if (from >= to) return Promise.resolve();
    if (this.active.has(partition)) {
      return Promise.reject(new Error(`partition ${partition} is being read already`));
    }
    return new Promise((resolve, reject) => {
      const read: ActiveRead = {
        from,
        next: from,
        watchdog: undefined,
        to,
        onBatch,
        resolve: () => {
          clearTimeout(read.watchdog);
          resolve();
        },
        reject: (error) => {
          clearTimeout(read.watchdog);
          reject(error);
        },
      };
      this.active.set(partition, read);
      this.watch(partition, read);
      this.position(partition, from);
    });
  }

  /** (Re)arms the read's stall timer: no batch for stallTimeoutMs fails the read. */
  private watch(partition: number, read: ActiveRead): void {
    clearTimeout(read.watchdog);
    const ms = this.options.stallTimeoutMs ?? 60_000;
    read.watchdog = setTimeout(() => {
      if (this.active.get(partition) !== read) return;
      this.active.delete(partition);
      this.pause(partition);
      read.reject(new Error(`reading partition ${partition} made no progress for ${ms} ms`));
    }, ms);
  }

  /** Seeks and resumes; before the first join this fails, and the join handler does it. */
  private position(partition: number, offset: bigint): void {
    const { topic } = this.options;
    try {
      this.consumer.seek({ topic, partition, offset: offset.toString() });
      this.consumer.resume([{ topic, partitions: [partition] }]);
    } catch (error) {
      this.options.logger?.debug({ err: error, partition }, 'range read starts after the join');
    }
  }

  /** Gives up a read in progress (the partition was revoked while it restored). */
  cancel(partition: number): void {
    const read = this.active.get(partition);
    if (read === undefined) return;
    this.active.delete(partition);
    this.pause(partition);
    read.reject(new Error(`reading partition ${partition} was cancelled`));
  }

  private finish(partition: number): void {
    const read = this.active.get(partition);
    if (read === undefined) return;
    this.active.delete(partition);
    this.pause(partition);
    read.resolve();
  }

  private pause(partition: number): void {
    try {
      this.consumer.pause([{ topic: this.options.topic, partitions: [partition] }]);
    } catch {
      // Not joined (or restarting): the join handler pauses every idle partition.
    }
  }

  private async eachBatch({ batch, pause, isStale, heartbeat }: EachBatchPayload): Promise<void> {
    const read = this.active.get(batch.partition);
    if (read === undefined) {
      pause();
      return;
    }
    const next = BigInt(batch.lastOffset()) + 1n;
    // The fetch may still be from before the seek.
    if (isStale() || next <= read.from) return;
    const messages = batch.messages.filter((m) => {
      const offset = BigInt(m.offset);
      return offset >= read.from && offset < read.to;
    });
    try {
      const upTo = next < read.to ? next : read.to;
      await read.onBatch(messages, upTo);
      read.next = upTo;
      this.watch(batch.partition, read);
    } catch (error) {
      this.active.delete(batch.partition);
      pause();
      read.reject(error);
      return;
    }
    await heartbeat();
  }
}
